// Deletes an environment's ConfigMaps and Secrets that nothing refers to any more. They are named
// after their content (see environment-manifests.ts), so old ones pile up; the ones an older
// ReplicaSet or a Job still names stay, so that a rollback finds them.
import { isNotFound } from './kubernetes-error.js';
import type { KubeApi } from './kube-api.js';
import { LABELS, selector } from './slipway-labels.js';

interface Named {
  metadata: { name: string };
}

interface WithPodTemplate {
  spec?: { template?: { spec?: PodSpecRefs }; jobTemplate?: { spec?: { template?: { spec?: PodSpecRefs } } } };
}

interface PodSpecRefs {
  containers?: { envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[] }[];
}

function referencedNames(owners: readonly WithPodTemplate[]): Set<string> {
  const names = new Set<string>();
  for (const o of owners) {
    const spec = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
    for (const c of spec?.containers ?? []) {
      for (const from of c.envFrom ?? []) {
        if (from.configMapRef?.name) names.add(from.configMapRef.name);
        if (from.secretRef?.name) names.add(from.secretRef.name);
      }
    }
  }
  return names;
}

/** Returns how many objects were deleted. */
export async function pruneConfig(api: KubeApi, namespace: string, app: string, environment: string): Promise<number> {
  const labelSelector = selector({ [LABELS.app]: app, [LABELS.environment]: environment });
  const [deployments, replicaSets, cronJobs, jobs, configMaps, secrets] = await Promise.all([
    api.list<WithPodTemplate>(`/apis/apps/v1/namespaces/${namespace}/deployments`, { labelSelector }),
    api.list<WithPodTemplate>(`/apis/apps/v1/namespaces/${namespace}/replicasets`, { labelSelector }),
    api.list<WithPodTemplate>(`/apis/batch/v1/namespaces/${namespace}/cronjobs`, { labelSelector }),
    api.list<WithPodTemplate>(`/apis/batch/v1/namespaces/${namespace}/jobs`, { labelSelector }),
    api.list<Named>(`/api/v1/namespaces/${namespace}/configmaps`, { labelSelector: `${labelSelector},${LABELS.holds}` }),
    api.list<Named>(`/api/v1/namespaces/${namespace}/secrets`, { labelSelector: `${labelSelector},${LABELS.holds}` }),
  ]);
  const keep = referencedNames([...deployments.items, ...replicaSets.items, ...cronJobs.items, ...jobs.items]);
  let deleted = 0;
  for (const [kind, list] of [
    ['configmaps', configMaps],
    ['secrets', secrets],
  ] as const) {
    for (const item of list.items) {
      if (keep.has(item.metadata.name)) continue;
      try {
        await api.delete(`/api/v1/namespaces/${namespace}/${kind}/${item.metadata.name}`);
        deleted += 1;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }
  return deleted;
}
