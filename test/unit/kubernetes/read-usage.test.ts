// Container usage on Kubernetes: the metrics API first (memory; CPU only as a rate, so no CPU seconds), the
// kubelet's summary API when that is missing, and "not available" with both reasons when neither answers.
import { describe, expect, it } from 'vitest';
import type { KubeApi } from '../../../src/runtime/kubernetes/kube-api.js';
import { readUsage } from '../../../src/runtime/kubernetes/read-usage.js';

const labels = (env: string) => ({ 'slipway.dev/app': 'shop', 'slipway.dev/environment': env });
const pod = (name: string, env: string, node: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'app-shop', labels: labels(env), ownerReferences: [{ kind: 'ReplicaSet', name: 'rs', uid: 'u' }] },
  spec: { nodeName: node },
});

function fakeApi(routes: Record<string, unknown>): Pick<KubeApi, 'get' | 'list'> {
  const answer = async (path: string): Promise<any> => {
    const r = routes[path];
    if (r === undefined || r instanceof Error) throw r ?? new Error(`404 ${path}`);
    return r;
  };
  return { get: answer, list: answer };
}

describe('readUsage on Kubernetes', () => {
  it('sums memory per environment from metrics.k8s.io, with no CPU seconds', async () => {
    const api = fakeApi({
      '/apis/metrics.k8s.io/v1beta1/namespaces/app-shop/pods': {
        items: [
          { metadata: { name: 'a', labels: labels('preview') }, containers: [{ usage: { cpu: '5m', memory: '10Mi' } }] },
          { metadata: { name: 'b', labels: labels('preview') }, containers: [{ usage: { cpu: '5m', memory: '6Mi' } }] },
          { metadata: { name: 'c', labels: labels('prod') }, containers: [{ usage: { cpu: '1m', memory: '1Mi' } }] },
        ],
      },
    });
    const usage = await readUsage(api, ['app-shop']);
    expect(usage).toEqual({
      available: true,
      environments: [
        { app: 'shop', environment: 'preview', cpuSeconds: null, memoryBytes: 16 * 1048576 },
        { app: 'shop', environment: 'prod', cpuSeconds: null, memoryBytes: 1048576 },
      ],
    });
  });

  it("falls back to the kubelet's summary: cumulative CPU and working set of the environment's pods", async () => {
    const api = fakeApi({
      '/api/v1/namespaces/app-shop/pods': { items: [pod('web-1', 'preview', 'node-a'), pod('web-2', 'preview', 'node-b')] },
      '/api/v1/nodes/node-a/proxy/stats/summary': {
        pods: [{ podRef: { name: 'web-1', namespace: 'app-shop' }, cpu: { usageCoreNanoSeconds: 2e9 }, memory: { workingSetBytes: 100 } }],
      },
      '/api/v1/nodes/node-b/proxy/stats/summary': {
        pods: [
          { podRef: { name: 'web-2', namespace: 'app-shop' }, cpu: { usageCoreNanoSeconds: 1e9 }, memory: { workingSetBytes: 50 } },
          { podRef: { name: 'other', namespace: 'kube-system' }, cpu: { usageCoreNanoSeconds: 9e9 }, memory: { workingSetBytes: 9 } },
        ],
      },
    });
    expect(await readUsage(api, ['app-shop'])).toEqual({
      available: true,
      environments: [{ app: 'shop', environment: 'preview', cpuSeconds: 3, memoryBytes: 150 }],
    });
  });

  it('is not available, saying why, when neither source answers', async () => {
    const api = fakeApi({
      '/apis/metrics.k8s.io/v1beta1/namespaces/app-shop/pods': new Error('404 the server could not find the requested resource'),
      '/api/v1/namespaces/app-shop/pods': { items: [pod('web-1', 'preview', 'kwok-node-0')] },
      '/api/v1/nodes/kwok-node-0/proxy/stats/summary': new Error('403 forbidden: nodes/proxy'),
    });
    const usage = await readUsage(api, ['app-shop']);
    expect(usage.available).toBe(false);
    expect(!usage.available && usage.reason).toMatch(/metrics\.k8s\.io: 404.*kubelet's summary API did not answer \(kwok-node-0: 403/);
  });
});
