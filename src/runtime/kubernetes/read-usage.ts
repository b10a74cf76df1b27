// CPU and memory of each environment's pods. First the metrics API (metrics.k8s.io, served by metrics-server, which
// k3s bundles; the builder's RBAC may read it in app namespaces): memory, and CPU only as a rate, so no CPU seconds.
// Without it, the kubelet's summary API through the apiserver's node proxy (`/api/v1/nodes/NODE/proxy/stats/summary`,
// cumulative CPU too), which needs `nodes/proxy` — not granted by k8s/bootstrap, since a GET there reaches the
// kubelet's whole API. Neither answering is "not available", with the reasons.
import { messageOf } from '../../shared/errors.js';
import type { EnvironmentUsage, ResourceUsage } from '../runtime.js';
import type { KubeApi, KubeObject } from './kube-api.js';
import { parseMemory } from './quantity.js';
import { LABELS } from './slipway-labels.js';

interface PodMetrics extends KubeObject {
  containers?: { usage?: { memory?: string } }[];
}

/** From metrics.k8s.io; throws when the API is not there (404) or not allowed (403). */
async function readMetricsApi(api: Pick<KubeApi, 'list'>, namespaces: readonly string[]): Promise<EnvironmentUsage[]> {
  const sums = new Map<string, EnvironmentUsage>();
  for (const ns of namespaces) {
    const pods = await api.list<PodMetrics>(`/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods`, { labelSelector: LABELS.environment });
    for (const p of pods.items) {
      const app = p.metadata.labels?.[LABELS.app];
      const environment = p.metadata.labels?.[LABELS.environment];
      if (!app || !environment) continue;
      const key = `${app}/${environment}`;
      const sum = sums.get(key) ?? { app, environment, cpuSeconds: null, memoryBytes: 0 };
      for (const c of p.containers ?? []) sum.memoryBytes += c.usage?.memory ? parseMemory(c.usage.memory) : 0;
      sums.set(key, sum);
    }
  }
  return [...sums.values()];
}

interface Pod extends KubeObject {
  spec?: { nodeName?: string };
}

/** The parts of the kubelet's summary this reads (k8s.io/kubelet/pkg/apis/stats/v1alpha1). */
export interface KubeletSummary {
  pods?: {
    podRef: { name: string; namespace: string };
    cpu?: { usageCoreNanoSeconds?: number };
    memory?: { workingSetBytes?: number };
  }[];
}

export async function readUsage(api: Pick<KubeApi, 'get' | 'list'>, namespaces: readonly string[]): Promise<ResourceUsage> {
  let metricsApiError: string;
  try {
    return { available: true, environments: await readMetricsApi(api, namespaces) };
  } catch (e) {
    metricsApiError = messageOf(e);
  }
  const fromKubelet = await readKubeletSummaries(api, namespaces);
  return fromKubelet.available ? fromKubelet : { available: false, reason: `metrics.k8s.io: ${metricsApiError}; ${fromKubelet.reason}` };
}

async function readKubeletSummaries(api: Pick<KubeApi, 'get' | 'list'>, namespaces: readonly string[]): Promise<ResourceUsage> {
  // Which environment each pod serves, from its labels (the summary names pods only). Job pods are left out.
  const owners = new Map<string, { app: string; environment: string }>();
  const nodes = new Set<string>();
  for (const ns of namespaces) {
    const pods = await api.list<Pod>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: LABELS.environment });
    for (const p of pods.items) {
      const app = p.metadata.labels?.[LABELS.app];
      const environment = p.metadata.labels?.[LABELS.environment];
      if (!app || !environment || !p.metadata.ownerReferences?.some((o) => o.kind === 'ReplicaSet')) continue;
      owners.set(`${ns}/${p.metadata.name}`, { app, environment });
      if (p.spec?.nodeName) nodes.add(p.spec.nodeName);
    }
  }
  const sums = new Map<string, EnvironmentUsage>();
  const failures: string[] = [];
  for (const node of nodes) {
    let summary: KubeletSummary;
    try {
      summary = await api.get<KubeletSummary>(`/api/v1/nodes/${encodeURIComponent(node)}/proxy/stats/summary`);
    } catch (e) {
      failures.push(`${node}: ${messageOf(e)}`);
      continue;
    }
    for (const pod of summary.pods ?? []) {
      const owner = owners.get(`${pod.podRef.namespace}/${pod.podRef.name}`);
      if (!owner) continue;
      const key = `${owner.app}/${owner.environment}`;
      const sum = sums.get(key) ?? { ...owner, cpuSeconds: 0, memoryBytes: 0 };
      sum.cpuSeconds = (sum.cpuSeconds ?? 0) + (pod.cpu?.usageCoreNanoSeconds ?? 0) / 1e9;
      sum.memoryBytes += pod.memory?.workingSetBytes ?? 0;
      sums.set(key, sum);
    }
  }
  if (nodes.size > 0 && failures.length === nodes.size)
    return { available: false, reason: `the kubelet's summary API did not answer (${failures.slice(0, 3).join('; ')})` };
  return { available: true, environments: [...sums.values()] };
}
