// Why a rollout failed, in words for the deploy log: the Deployment's condition, then the new
// pods' states and the warnings Kubernetes recorded about them and their ReplicaSet.
import { LABELS, selector } from './slipway-labels.js';
import type { KubeApi } from './kube-api.js';
import { describeEvent, describePod, type EventState, type PodState } from './pod-state.js';
import { replicaFailure, type DeploymentState } from './rollout-status.js';

export interface Diagnosis {
  /** One line: the condition's message and what the new pods say. */
  reason: string;
  /** Pod states and warning events, one per line. */
  details: string[];
  /** Names of the new pods, for their logs. */
  pods: string[];
}

export async function diagnoseRollout(api: KubeApi, namespace: string, deployment: DeploymentState, conditionMessage: string): Promise<Diagnosis> {
  const labels = deployment.metadata.labels ?? {};
  const podSelector = selector({
    [LABELS.app]: labels[LABELS.app] ?? '',
    [LABELS.environment]: labels[LABELS.environment] ?? '',
    [LABELS.commit]: labels[LABELS.commit] ?? '',
  });
  const pods = await api.list<PodState>(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: podSelector });
  const events = await api.list<EventState>(`/api/v1/namespaces/${namespace}/events`);
  const podNames = new Set(pods.items.map((p) => p.metadata.name));
  const warnings = events.items.filter(
    (e) => e.type === 'Warning' && ((e.involvedObject?.kind === 'Pod' && podNames.has(e.involvedObject.name ?? '')) || e.involvedObject?.kind === 'ReplicaSet'),
  );
  const details = [...pods.items.map(describePod), ...warnings.map(describeEvent)];
  const quota = replicaFailure(deployment);
  const firstWarning = warnings.at(-1);
  const why =
    quota ?? (firstWarning ? `${firstWarning.reason ?? ''}: ${firstWarning.message ?? ''}` : pods.items[0] ? describePod(pods.items[0]) : 'no pod was created');
  return { reason: `${conditionMessage} — ${why}`, details, pods: [...podNames] };
}
