// App secrets per environment: the one module they go through. Names are checked, values are write-only (the
// API and UI see names), they live in SQLite and never in git, and only the runtime gets the values. Setting or
// removing one restarts the environment so that it takes effect. Their names (never their values) are kept in the
// app's repo too (app-metadata.ts): a database rebuilt from the repos knows which secrets it is missing.
import { readAppMetadata } from '../git/app-metadata.js';
import { repoPath } from '../git/repo-path.js';
import { InvalidInputError, NotFoundError } from '../shared/errors.js';
import { writeAppMetadata } from './app-metadata.js';
import type { PipelineDeps } from './deps.js';

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const MAX_SECRET_BYTES = 64 * 1024;

export interface Secrets {
  names(app: string, environment: string): string[];
  /** Names the app's repo says it had but the database has no value for (lost with the database): to set again. */
  missing(app: string, environment: string): Promise<string[]>;
  set(app: string, environment: string, name: unknown, value: unknown): Promise<void>;
  remove(app: string, environment: string, name: unknown): Promise<void>;
}

/** Name → value, for what the runtime starts (never logged, never shown). */
export function secretValues(deps: Pick<PipelineDeps, 'store'>, app: string, environment: string): Record<string, string> {
  return deps.store.secrets.values(app, environment);
}

export function createSecrets(deps: Pick<PipelineDeps, 'config' | 'store'>, restart: (app: string, environment: string) => unknown): Secrets {
  const check = (app: string, environment: string) => {
    if (!deps.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
    if (!deps.config.environments.some((e) => e.name === environment)) throw new NotFoundError(`no environment named ${environment}`);
  };
  const checkName = (name: unknown): string => {
    if (typeof name !== 'string' || !SECRET_NAME.test(name))
      throw new InvalidInputError(`"${String(name).slice(0, 60)}" is not a valid variable name: use letters, digits and "_", not starting with a digit`);
    return name;
  };
  const missing = async (app: string, environment: string): Promise<string[]> => {
    check(app, environment);
    const held = new Set(deps.store.secrets.names(app, environment));
    const meta = await readAppMetadata(repoPath(deps.config.dataDir, app));
    return meta.secrets.filter((s) => s.environment === environment && !held.has(s.name)).map((s) => s.name);
  };
  return {
    names(app, environment) {
      check(app, environment);
      return deps.store.secrets.names(app, environment);
    },
    missing,
    async set(app, environment, name, value) {
      check(app, environment);
      const key = checkName(name);
      if (typeof value !== 'string' || Buffer.byteLength(value) > MAX_SECRET_BYTES)
        throw new InvalidInputError(`a secret value is text of at most ${MAX_SECRET_BYTES} bytes`);
      deps.store.secrets.set(app, environment, key, value);
      restart(app, environment);
      await writeAppMetadata(deps, app);
    },
    async remove(app, environment, name) {
      check(app, environment);
      const key = checkName(name);
      if (deps.store.secrets.remove(app, environment, key)) restart(app, environment);
      // A secret lost with the database (no value, only its name in the repo) is dismissed the same way.
      else if (!(await missing(app, environment)).includes(key)) throw new NotFoundError(`no secret ${key} in ${environment}`);
      await writeAppMetadata(deps, app, { dropSecrets: [`${environment}/${key}`] });
    },
  };
}
