// Waits for a Deployment's rollout with a watch, reporting progress, until it completes, fails
// (ProgressDeadlineExceeded) or outlives its own deadline (a stopped controller-manager would
// never set the condition).
import { isGone, KubernetesError } from './kubernetes-error.js';
import type { KubeApi } from './kube-api.js';
import { replicaFailure, rolloutStatus, type DeploymentState, type RolloutStatus } from './rollout-status.js';

export interface WaitOptions {
  onLine: (line: string) => void;
  /** The controller's progressDeadlineSeconds plus a margin. */
  timeoutSeconds: number;
  /**
   * After a rollback: the Deployment still carries the ProgressDeadlineExceeded of the rollout
   * that failed until the controller has synced the restored template, so that is no answer yet.
   */
  ignoreDeadlineExceeded?: boolean;
  /**
   * Asked every few seconds while the rollout progresses: a reason to give up before the deadline (the new pods
   * already show they will never be ready), or null to go on waiting.
   */
  giveUp?: () => Promise<string | null>;
  signal?: AbortSignal;
}

const GIVE_UP_CHECK_SECONDS = 3;

export async function waitForRollout(
  api: KubeApi,
  namespace: string,
  name: string,
  o: WaitOptions,
): Promise<{ status: RolloutStatus; deployment: DeploymentState }> {
  const path = `/apis/apps/v1/namespaces/${namespace}/deployments`;
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  let lastMessage = '';
  const statusOf = (d: DeploymentState): RolloutStatus => {
    const status = rolloutStatus(d);
    return status.state === 'failed' && o.ignoreDeadlineExceeded
      ? { state: 'progressing', message: 'the controller is restoring the previous version' }
      : status;
  };
  const report = (d: DeploymentState, status: RolloutStatus) => {
    const quota = replicaFailure(d);
    const message = quota ? `${status.message}; ${quota}` : status.message;
    if (message !== lastMessage) o.onLine(`rollout of ${name}: ${message}`);
    lastMessage = message;
  };
  for (;;) {
    o.signal?.throwIfAborted();
    const current = await api.get<DeploymentState & { metadata: { resourceVersion?: string } }>(`${path}/${name}`);
    let status = statusOf(current);
    report(current, status);
    // onLine may abort (a caller giving up); nothing may be started after that.
    o.signal?.throwIfAborted();
    if (status.state !== 'progressing') return { status, deployment: current };
    const hopeless = await o.giveUp?.();
    if (hopeless) return { status: { state: 'failed', reason: 'NotHealthy', message: hopeless }, deployment: current };
    const left = deadline - Date.now();
    if (left <= 0) {
      return {
        status: { state: 'failed', reason: 'Timeout', message: `the rollout did not finish within ${o.timeoutSeconds}s (${lastMessage})` },
        deployment: current,
      };
    }
    // One watch lasts until the deadline (or the next give-up check); the server may end it earlier, then we read
    // and watch again.
    const span = o.giveUp ? Math.min(left, GIVE_UP_CHECK_SECONDS * 1000) : left;
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), span);
    const onAbort = () => stop.abort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const event of api.watch<DeploymentState>(
        path,
        { fieldSelector: `metadata.name=${name}`, resourceVersion: current.metadata.resourceVersion, timeoutSeconds: Math.ceil(span / 1000) },
        stop.signal,
      )) {
        if (event.type === 'BOOKMARK') continue;
        if (event.type === 'DELETED') throw new KubernetesError(`deployment ${namespace}/${name} was deleted during its rollout`, 404, 'NotFound');
        status = statusOf(event.object);
        report(event.object, status);
        if (status.state !== 'progressing') return { status, deployment: event.object };
      }
    } catch (e) {
      // 410 Gone: our resourceVersion is too old to watch from; read again.
      if (!isGone(e)) throw e;
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    }
  }
}
