// The runtime log lines of one environment of an app (recent ones, then live ones when following).
import { NotFoundError } from '../shared/errors.js';
import type { PipelineDeps } from './deps.js';

export function readRuntimeLogs(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'runtime'>,
  app: string,
  environment: string,
  options: { tail: number; follow: boolean },
  signal?: AbortSignal,
): AsyncIterable<string> {
  if (!deps.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  if (!deps.config.environments.some((e) => e.name === environment)) throw new NotFoundError(`no environment named ${environment}`);
  return deps.runtime.logs(app, environment, { tail: Math.min(Math.max(options.tail, 0), 5000), follow: options.follow }, signal);
}
