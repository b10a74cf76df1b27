// What runs in an app namespace, as the Runtime's Instances: per environment, what serves now
// (`live`) and, during or after a rollout that has not completed, the new version (`starting`, `failed`).
import type { Instance } from '../runtime.js';
import { appOfNamespace } from './app-namespace.js';
import type { KubeApi } from './kube-api.js';
import { rolloutStatus, type DeploymentState } from './rollout-status.js';
import { ANNOTATIONS, LABELS, MANAGED_BY, selector } from './slipway-labels.js';

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: { name: string; image?: string }[] };
}

export type DeploymentObject = DeploymentState & {
  metadata: { uid?: string; namespace?: string; creationTimestamp?: string };
  spec?: { replicas?: number; template?: PodTemplate };
};

export interface ReplicaSetObject {
  metadata: { name: string; uid?: string; creationTimestamp?: string; annotations?: Record<string, string>; ownerReferences?: { uid: string }[] };
  spec?: { replicas?: number; template?: PodTemplate };
  status?: { availableReplicas?: number; replicas?: number };
}

export interface CronJobObject {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string };
  spec?: { suspend?: boolean; jobTemplate?: { spec?: { template?: PodTemplate } } };
}

export function revisionOf(rs: ReplicaSetObject): number {
  return Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
}

function imageOf(t: PodTemplate | undefined): string {
  return t?.spec?.containers?.find((c) => c.name === 'app')?.image ?? '';
}

function withId(instance: Omit<Instance, 'deploymentId'>, id: string | undefined): Instance {
  return id ? { ...instance, deploymentId: id } : instance;
}

/** Pure: the instances of one namespace's Deployments (with their ReplicaSets) and CronJobs. */
export function instancesOf(
  app: string,
  deployments: readonly DeploymentObject[],
  replicaSets: readonly ReplicaSetObject[],
  cronJobs: readonly CronJobObject[],
): Instance[] {
  const out: Instance[] = [];
  for (const d of deployments) {
    const environment = d.metadata.labels?.[LABELS.environment] ?? d.metadata.name;
    const owned = replicaSets.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid)).sort((a, b) => revisionOf(b) - revisionOf(a));
    const newest = owned[0];
    const commit = d.spec?.template?.metadata?.labels?.[LABELS.commit] ?? '';
    const base = {
      app,
      environment,
      commit,
      image: imageOf(d.spec?.template),
      since: newest?.metadata.creationTimestamp ?? d.metadata.creationTimestamp ?? '',
    };
    const id = d.metadata.annotations?.[ANNOTATIONS.deploymentId];
    if ((d.spec?.replicas ?? 1) === 0) {
      out.push(withId({ ...base, state: 'stopped' }, id));
      continue;
    }
    const status = rolloutStatus(d);
    if (status.state === 'complete') {
      out.push(withId({ ...base, state: 'live' }, id));
      continue;
    }
    // Not complete: the ReplicaSet of the Deployment's template (the newest) serves once it has
    // available pods (a partial rollout, or a rollback on its way); until then it is starting.
    if ((newest?.status?.availableReplicas ?? 0) > 0) out.push(withId({ ...base, state: 'live' }, id));
    else out.push(withId({ ...base, state: status.state === 'failed' ? 'failed' : 'starting' }, id));
    // Older ReplicaSets keep serving until the new pods are ready (maxUnavailable: 0).
    for (const serving of owned.filter((rs) => rs !== newest && (rs.status?.availableReplicas ?? 0) > 0)) {
      out.push(
        withId(
          {
            app,
            environment,
            commit: serving.spec?.template?.metadata?.labels?.[LABELS.commit] ?? '',
            image: imageOf(serving.spec?.template),
            state: 'live',
            since: serving.metadata.creationTimestamp ?? '',
          },
          serving.metadata.annotations?.[ANNOTATIONS.deploymentId],
        ),
      );
    }
  }
  for (const c of cronJobs) {
    out.push(
      withId(
        {
          app,
          environment: c.metadata.labels?.[LABELS.environment] ?? c.metadata.name,
          commit: c.metadata.labels?.[LABELS.commit] ?? '',
          image: imageOf(c.spec?.jobTemplate?.spec?.template),
          state: c.spec?.suspend ? 'stopped' : 'live',
          since: c.metadata.creationTimestamp ?? '',
        },
        c.metadata.annotations?.[ANNOTATIONS.deploymentId],
      ),
    );
  }
  return out;
}

export async function readInstances(api: KubeApi, namespace: string): Promise<Instance[]> {
  const app = appOfNamespace(namespace);
  if (!app) return [];
  const managed = { labelSelector: selector({ [LABELS.managedBy]: MANAGED_BY }) };
  const [deployments, replicaSets, cronJobs] = await Promise.all([
    api.list<DeploymentObject>(`/apis/apps/v1/namespaces/${namespace}/deployments`, managed),
    api.list<ReplicaSetObject>(`/apis/apps/v1/namespaces/${namespace}/replicasets`, managed),
    api.list<CronJobObject>(`/apis/batch/v1/namespaces/${namespace}/cronjobs`, managed),
  ]);
  return instancesOf(app, deployments.items, replicaSets.items, cronJobs.items);
}
