// The Kubernetes parts of the composition root, loaded only when SLIPWAY_RUNTIME=kubernetes: @kubernetes/client-node
// alone adds about 70 MB to the server's resident memory (measured: ARCHITECTURE.md, "Build queue and memory"),
// which an installation on Docker never uses.
import type { KubeConfig } from '@kubernetes/client-node';

export async function loadKubernetes() {
  const [client, runtime, api, builder, certificates] = await Promise.all([
    import('@kubernetes/client-node'),
    import('./runtime/kubernetes/create-kubernetes-runtime.js'),
    import('./runtime/kubernetes/kube-api.js'),
    import('./pipeline/build-in-cluster.js'),
    import('./pipeline/cluster-certificates.js'),
  ]);
  return {
    /** KUBECONFIG, ~/.kube/config, or the in-cluster ServiceAccount. */
    loadKubeConfig(): KubeConfig {
      const kubeConfig = new client.KubeConfig();
      kubeConfig.loadFromDefault();
      return kubeConfig;
    },
    createKubernetesRuntime: runtime.createKubernetesRuntime,
    createKubeApi: api.createKubeApi,
    createBuildkitBuilder: builder.createBuildkitBuilder,
    createClusterCertificates: certificates.createClusterCertificates,
  };
}

export type KubernetesParts = Awaited<ReturnType<typeof loadKubernetes>>;
