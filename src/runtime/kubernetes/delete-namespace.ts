// Deletes a namespace and waits, with a watch, until it is gone: Kubernetes first deletes
// everything inside (pods get their grace period), then the namespace itself.
import { isGone, isNotFound, KubernetesError } from './kubernetes-error.js';
import type { KubeApi } from './kube-api.js';

interface NamespaceState {
  metadata: { name: string; resourceVersion?: string };
  status?: { phase?: string; conditions?: { type: string; status: string; message?: string }[] };
}

export async function deleteNamespace(api: KubeApi, namespace: string, timeoutSeconds: number): Promise<void> {
  const path = `/api/v1/namespaces/${namespace}`;
  try {
    await api.delete(path);
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    let current: NamespaceState;
    try {
      current = await api.get<NamespaceState>(path);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const stuck = (current.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.message ?? c.type);
      throw new KubernetesError(
        `namespace ${namespace} is still terminating after ${timeoutSeconds}s${stuck.length ? `: ${stuck.join('; ')}` : ''}`,
        504,
        'Timeout',
      );
    }
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), left);
    try {
      for await (const event of api.watch<NamespaceState>(
        '/api/v1/namespaces',
        { fieldSelector: `metadata.name=${namespace}`, resourceVersion: current.metadata.resourceVersion, timeoutSeconds: Math.ceil(left / 1000) },
        stop.signal,
      )) {
        if (event.type === 'DELETED') return;
      }
    } catch (e) {
      if (!isGone(e)) throw e;
    } finally {
      clearTimeout(timer);
    }
  }
}
