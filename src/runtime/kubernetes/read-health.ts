// Restarts and problems of the pods that serve each web environment of an app, as the kubelet reports them: a
// container that exits or fails its liveness probe is restarted, and its restart count and last exit say why.
import type { EnvironmentHealth } from '../runtime.js';
import type { KubeApi } from './kube-api.js';
import type { PodState } from './pod-state.js';
import { LABELS, MANAGED_BY, selector } from './slipway-labels.js';

/** Pure: the health of each environment from its pods (those of Deployments; job runs are not serving). */
export function healthOf(pods: readonly PodState[]): EnvironmentHealth[] {
  const byEnvironment = new Map<string, PodState[]>();
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp || !pod.metadata.ownerReferences?.some((o) => o.kind === 'ReplicaSet')) continue;
    const env = pod.metadata.labels?.[LABELS.environment];
    if (env) byEnvironment.set(env, [...(byEnvironment.get(env) ?? []), pod]);
  }
  return [...byEnvironment].map(([environment, list]) => {
    const statuses = list.flatMap((p) => p.status?.containerStatuses ?? []);
    const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
    const problems = new Set<string>();
    for (const c of statuses) {
      if (c.ready) continue;
      const last = c.lastState?.terminated;
      const exited = last ? `the app exited with code ${last.exitCode ?? '?'}${last.reason ? ` (${last.reason})` : ''}` : null;
      const waiting = c.state?.waiting?.reason;
      if (waiting === 'CrashLoopBackOff') problems.add(`${exited ?? 'the app keeps exiting'}; restarting after a back-off (CrashLoopBackOff)`);
      else if (waiting) problems.add(`waiting: ${waiting}${c.state?.waiting?.message ? ` (${c.state.waiting.message})` : ''}`);
      else if (c.state?.terminated) problems.add(`the app exited with code ${c.state.terminated.exitCode ?? '?'}`);
      else problems.add(exited ? `not ready after a restart: ${exited}` : 'running but not ready (its health check fails)');
    }
    return { environment, restarts, problem: problems.size > 0 ? [...problems].join('; ') : null };
  });
}

/** Why the pods with `labels` will never become ready (restarted and still not ready), or null. */
export async function newPodsHopeless(api: KubeApi, namespace: string, labels: Record<string, string>): Promise<string | null> {
  const pods = await api.list<PodState>(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: selector(labels) });
  const [hopeless] = healthOf(pods.items).filter((h) => h.restarts > 0 && h.problem);
  return hopeless ? `the new version was restarted ${hopeless.restarts} time${hopeless.restarts === 1 ? '' : 's'} and is not ready: ${hopeless.problem}` : null;
}

export async function readHealth(api: KubeApi, namespace: string): Promise<EnvironmentHealth[]> {
  const pods = await api.list<PodState>(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: selector({ [LABELS.managedBy]: MANAGED_BY }) });
  return healthOf(pods.items);
}
