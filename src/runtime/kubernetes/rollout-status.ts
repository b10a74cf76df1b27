// Where a Deployment's rollout stands, from its status alone (kubectl's `rollout status` rule).

export interface DeploymentState {
  metadata: { name: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string; lastUpdateTime?: string; lastTransitionTime?: string }[];
  };
}

export type RolloutStatus =
  { state: 'progressing'; message: string } | { state: 'complete'; message: string } | { state: 'failed'; reason: string; message: string };

export function rolloutStatus(d: DeploymentState): RolloutStatus {
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  // Until the controller has seen this generation, the status describes the previous spec.
  if ((s.observedGeneration ?? 0) < (d.metadata.generation ?? 1)) return { state: 'progressing', message: 'waiting for the deployment controller' };
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', reason: 'ProgressDeadlineExceeded', message: progressing.message ?? 'the rollout made no progress in time' };
  }
  const updated = s.updatedReplicas ?? 0;
  const total = s.replicas ?? 0;
  const available = s.availableReplicas ?? 0;
  if (updated < want) return { state: 'progressing', message: `${updated} of ${want} new pods created` };
  if (total > updated) return { state: 'progressing', message: `${total - updated} old pods still running` };
  if (available < updated) return { state: 'progressing', message: `${available} of ${updated} new pods ready` };
  return { state: 'complete', message: `${available} of ${want} pods ready` };
}

/** A quota or admission refusal of the ReplicaSet's pods (condition ReplicaFailure), if any. */
export function replicaFailure(d: DeploymentState): string | null {
  const c = d.status?.conditions?.find((x) => x.type === 'ReplicaFailure' && x.status === 'True');
  return c ? `${c.reason ?? 'ReplicaFailure'}: ${c.message ?? ''}`.trim() : null;
}
