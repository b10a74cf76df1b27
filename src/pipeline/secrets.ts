// App secrets per environment: the one module they go through. Names are checked, values are write-only (the
// API and UI see names), they live in SQLite and never in git, and only the runtime gets the values. Setting or
// removing one restarts the environment so that it takes effect.
import { InvalidInputError, NotFoundError } from '../shared/errors.js';
import type { PipelineDeps } from './deps.js';

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const MAX_SECRET_BYTES = 64 * 1024;

export interface Secrets {
  names(app: string, environment: string): string[];
  set(app: string, environment: string, name: unknown, value: unknown): void;
  remove(app: string, environment: string, name: unknown): void;
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
  return {
    names(app, environment) {
      check(app, environment);
      return deps.store.secrets.names(app, environment);
    },
    set(app, environment, name, value) {
      check(app, environment);
      const key = checkName(name);
      if (typeof value !== 'string' || Buffer.byteLength(value) > MAX_SECRET_BYTES)
        throw new InvalidInputError(`a secret value is text of at most ${MAX_SECRET_BYTES} bytes`);
      deps.store.secrets.set(app, environment, key, value);
      restart(app, environment);
    },
    remove(app, environment, name) {
      check(app, environment);
      const key = checkName(name);
      if (!deps.store.secrets.remove(app, environment, key)) throw new NotFoundError(`no secret ${key} in ${environment}`);
      restart(app, environment);
    },
  };
}
