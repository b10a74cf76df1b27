// Waits until a deployment record reaches an end state (live, failed or superseded).
import type { DeploymentRecord } from '../store/deployments-store.js';
import type { PipelineDeps } from './deps.js';

const ENDED = new Set(['live', 'failed', 'superseded', 'replaced']);

export function waitForDeployment(deps: Pick<PipelineDeps, 'store' | 'events'>, id: string, timeoutMs: number): Promise<DeploymentRecord> {
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
    const done = () => {
      stop();
      clearTimeout(timer);
    };
    check();
  });
}
