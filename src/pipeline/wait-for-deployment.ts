// Waits until a deployment record reaches an end state (live, failed or superseded).
import type { DeploymentRecord } from '../store/deployments-store.js';
import type { PipelineDeps } from './deps.js';

const ENDED = new Set(['live', 'failed', 'superseded', 'replaced']);

/** Resolves with the record as it stands when it ends, when `timeoutMs` passes, or when `signal` aborts. */
export function waitForDeployment(
  deps: Pick<PipelineDeps, 'store' | 'events'>,
  id: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<DeploymentRecord> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const d = deps.store.deployments.get(id);
      if (!d) {
        done();
        reject(new Error(`deployment ${id} disappeared`));
      } else if (ENDED.has(d.status)) {
        done();
        resolve(d);
      }
    };
    const app = deps.store.deployments.get(id)?.app ?? '*';
    const stop = deps.events.subscribe(app, (e) => {
      if (e.type === 'deployment' && e.deploymentId === id) check();
    });
    const timer = setTimeout(() => {
      done();
      resolve(deps.store.deployments.get(id)!);
    }, timeoutMs);
    const onAbort = () => {
      done();
      resolve(deps.store.deployments.get(id)!);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      stop();
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    check();
  });
}
