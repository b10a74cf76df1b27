// Waits until an environment's newest deployment has finished (live, failed or superseded) or the time is up:
// what create_app does before it answers, so that the agent gets a preview URL that serves.
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import type { DeploymentRecord } from '../../store/deployments-store.js';

const UNDER_WAY = new Set(['queued', 'building', 'deploying']);

export function waitForEnvironment(
  read: Pick<PipelineReads, 'store' | 'events'>,
  app: string,
  environment: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<DeploymentRecord | undefined> {
  const settled = () => {
    const latest = read.store.deployments.latest(app, environment);
    return latest && !UNDER_WAY.has(latest.status) ? latest : undefined;
  };
  return new Promise((resolve) => {
    const done = () => {
      stop();
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve(read.store.deployments.latest(app, environment));
    };
    const stop = read.events.subscribe(app, (e) => {
      if (e.type === 'deployment' && e.environment === environment && settled()) done();
    });
    const timer = setTimeout(done, timeoutMs);
    signal.addEventListener('abort', done);
    if (settled() || signal.aborted) done();
  });
}
