// Setting and removing an app's secrets for one environment; the environment restarts to pick them up.
import { InvalidInputError, NotFoundError } from '../shared/errors.js';
import type { PipelineDeps } from './deps.js';

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const MAX_SECRET_BYTES = 64 * 1024;

type Restart = (app: string, environment: string) => unknown;

function check(deps: Pick<PipelineDeps, 'config' | 'store'>, app: string, environment: string): void {
  if (!deps.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  if (!deps.config.environments.some((e) => e.name === environment)) throw new NotFoundError(`no environment named ${environment}`);
}

export function setSecret(
  deps: Pick<PipelineDeps, 'config' | 'store'>,
  restart: Restart,
  app: string,
  environment: string,
  name: unknown,
  value: unknown,
): void {
  check(deps, app, environment);
  if (typeof name !== 'string' || !SECRET_NAME.test(name))
    throw new InvalidInputError(`"${String(name).slice(0, 60)}" is not a valid variable name: use letters, digits and "_", not starting with a digit`);
  if (typeof value !== 'string' || Buffer.byteLength(value) > MAX_SECRET_BYTES)
    throw new InvalidInputError(`a secret value is text of at most ${MAX_SECRET_BYTES} bytes`);
  deps.store.secrets.set(app, environment, name, value);
  restart(app, environment);
}

export function removeSecret(deps: Pick<PipelineDeps, 'config' | 'store'>, restart: Restart, app: string, environment: string, name: string): void {
  check(deps, app, environment);
  if (!deps.store.secrets.remove(app, environment, name)) throw new NotFoundError(`no secret ${name.slice(0, 60)} in ${environment}`);
  restart(app, environment);
}
