// After a failed rollout: put the Deployment back on the pod template that was serving (like
// `kubectl rollout undo`, but applied under Slipway's field manager), or, when nothing served
// before, delete it so that no never-ready pod keeps using the app's quota.
import { ANNOTATIONS, LABELS } from './slipway-labels.js';
import type { KubeApi, KubeObject } from './kube-api.js';
import { isNotFound } from './kubernetes-error.js';
import { revisionOf, type DeploymentObject, type ReplicaSetObject } from './read-instances.js';

export type RollBackResult = { action: 'rolled-back'; commit: string } | { action: 'removed' };

export async function rollBackDeployment(api: KubeApi, failed: KubeObject, current: DeploymentObject): Promise<RollBackResult> {
  const namespace = failed.metadata.namespace ?? '';
  const path = `/apis/apps/v1/namespaces/${namespace}/deployments/${failed.metadata.name}`;
  const sets = await api.list<ReplicaSetObject & { spec?: { template?: Record<string, unknown> } }>(`/apis/apps/v1/namespaces/${namespace}/replicasets`);
  const owned = sets.items
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === current.metadata.uid))
    .sort((a, b) => revisionOf(b) - revisionOf(a));
  const failedCommit = failed.metadata.labels?.[LABELS.commit];
  const previous =
    owned.find((rs) => (rs.status?.availableReplicas ?? 0) > 0 && rs.spec?.template?.metadata?.labels?.[LABELS.commit] !== failedCommit) ??
    owned.find((rs) => rs !== owned[0]);
  if (!previous?.spec?.template) {
    try {
      await api.delete(path, { propagationPolicy: 'Background' });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    return { action: 'removed' };
  }
  const template = structuredClone(previous.spec.template) as { metadata?: { labels?: Record<string, string> } };
  // The controller adds this label to each ReplicaSet's copy; the Deployment's template has none.
  delete template.metadata?.labels?.['pod-template-hash'];
  const commit = template.metadata?.labels?.[LABELS.commit] ?? '';
  const previousId = previous.metadata.annotations?.[ANNOTATIONS.deploymentId];
  const spec = failed['spec'] as Record<string, unknown>;
  const rollback: KubeObject = {
    ...failed,
    metadata: {
      ...failed.metadata,
      labels: { ...failed.metadata.labels, [LABELS.commit]: commit },
      annotations: { ...failed.metadata.annotations, ...(previousId ? { [ANNOTATIONS.deploymentId]: previousId } : {}) },
    },
    spec: { ...spec, template },
  };
  await api.apply(rollback);
  return { action: 'rolled-back', commit };
}
