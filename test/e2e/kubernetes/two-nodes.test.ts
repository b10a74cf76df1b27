// The test cluster's two real nodes (scripts/k8s-test-cluster.sh: real-node-0 and real-node-1, each a kubelet and a
// containerd on this machine), with plain manifests through the Kubernetes API and kubectl, not Slipway: a Deployment
// spread over both nodes pulls an image by the registry name every node knows, Traefik on 127.0.0.1 routes to both,
// and draining one node under a PodDisruptionBudget drops no request. Pods reach each other across nodes, and the
// registry and this machine's loopback through the nodes' Service routes. The test sends traffic only to 127.0.0.1
// (Traefik, the apiserver, the registry, its own server); what crosses pod addresses runs in a pod (kubectl exec).
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/runtime/kubernetes/kube-api.js';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { adminApi, kubectlPath, testKubeConfigPath, testPodHost, testPodRegistry, testRealNodes, testTraefik, uniqueApp } from '../../helpers/k8s-cluster.js';

const run = promisify(execFile);
const api = adminApi();
const traefik = testTraefik();
const NAMESPACE = uniqueApp('two-nodes');
const HOST = `${NAMESPACE}.two-nodes.test`;
const REGISTRY_NAME = 'registry.slipway.internal';
// An image with Python in it: the offline base image that scripts/test.sh builds, pushed to the test registry by the
// host and pulled by the nodes under the registry name pods use.
const BASE_IMAGE = 'slipway-base/python:3.11';
const REPOSITORY = 'slipway-test/python';
const IMAGE = `${REGISTRY_NAME}:5000/${REPOSITORY}:3.11`;
// The drain evicts by these, on a node other test files' pods share: unique to this run.
const LABELS = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': NAMESPACE };
const SELECTOR = Object.entries(LABELS)
  .map(([k, v]) => `${k}=${v}`)
  .join(',');

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: { podIP?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { image: string; imageID: string }[] };
}

const kubectl = async (...args: string[]) => (await run(kubectlPath(), ['--kubeconfig', testKubeConfigPath(), ...args], { timeout: 90_000 })).stdout;

/** Runs Python in a pod (its arguments are sys.argv[1:]) and returns what it printed. */
const python = async (pod: string, code: string, ...args: string[]) =>
  (await kubectl('exec', '-n', NAMESPACE, pod, '--', 'python3', '-c', code, ...args)).trim();

const fetchIn = (pod: string, url: string) =>
  python(pod, 'import sys, urllib.request\nprint(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())', url);

const ready = (p: Pod) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const readyPods = async () => (await api.list<Pod>(`/api/v1/namespaces/${NAMESPACE}/pods`, { labelSelector: SELECTOR })).items.filter(ready);

const viaTraefik = () => getViaProxy(traefik.port, HOST, '/');

// Answers with its pod's and node's names (the downward API), so a response says where it came from.
const SERVER = `
import http.server, os
NAME = (os.environ['POD_NAME'] + ' ' + os.environ['NODE_NAME']).encode()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header('content-type', 'text/plain')
        self.send_header('content-length', str(len(NAME)))
        self.end_headers()
        self.wfile.write(NAME)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(('', 8080), Handler).serve_forever()
`;

// A blob upload as `docker push` makes one (POST, then PUT to the Location the registry answered with, which names
// the host the pod asked for), through the registry Service.
const PUSH_BLOB = `
import hashlib, sys, urllib.request
registry, repository, blob = sys.argv[1], sys.argv[2], sys.argv[3].encode()
digest = 'sha256:' + hashlib.sha256(blob).hexdigest()
started = urllib.request.urlopen(urllib.request.Request(registry + '/v2/' + repository + '/blobs/uploads/', method='POST'), timeout=5)
location = started.headers['Location']
location = registry + location if location.startswith('/') else location
location += ('&' if '?' in location else '?') + 'digest=' + digest
done = urllib.request.urlopen(urllib.request.Request(location, data=blob, method='PUT', headers={'Content-Type': 'application/octet-stream'}), timeout=5)
print(done.status, digest)
`;

function manifests(registryIp: string): KubeObject[] {
  const meta = (name: string) => ({ name, namespace: NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'slipway-test' } });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'slipway-test' } } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('web'),
      spec: {
        replicas: 2,
        selector: { matchLabels: LABELS },
        template: {
          metadata: { labels: LABELS },
          spec: {
            nodeSelector: { 'slipway.dev/pool': 'real' },
            tolerations: [{ key: 'slipway.dev/pool', operator: 'Equal', value: 'real', effect: 'NoSchedule' }],
            // One pod a node; Honor: a node whose taints the pod does not tolerate (a cordoned one) does not count.
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'kubernetes.io/hostname',
                whenUnsatisfiable: 'DoNotSchedule',
                nodeTaintsPolicy: 'Honor',
                labelSelector: { matchLabels: LABELS },
              },
            ],
            hostAliases: [{ ip: registryIp, hostnames: [REGISTRY_NAME] }],
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 15,
            containers: [
              {
                name: 'web',
                image: IMAGE,
                command: ['python3', '-c', SERVER],
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                ],
                ports: [{ name: 'http', containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
                // Keeps serving while Traefik drops the terminating endpoint (its provider throttle is 2 s).
                lifecycle: { preStop: { sleep: { seconds: 5 } } },
                resources: { requests: { cpu: '10m', memory: '32Mi' } },
              },
            ],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: meta('web'), spec: { selector: LABELS, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta('web'),
      spec: {
        ingressClassName: 'traefik',
        rules: [{ host: HOST, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] } }],
      },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('web'), spec: { minAvailable: 1, selector: { matchLabels: LABELS } } },
  ];
}

let pods: Pod[] = [];

beforeAll(async () => {
  expect(testRealNodes(), 'this test is written for the cluster’s default two real nodes').toEqual(['real-node-0', 'real-node-1']);
  const pushed = `127.0.0.1:5050/${REPOSITORY}:3.11`;
  await run('docker', ['tag', BASE_IMAGE, pushed]);
  await run('docker', ['push', pushed], { timeout: 120_000 });
  const [registryIp] = testPodRegistry().split(':');
  for (const o of manifests(registryIp!)) await api.apply(o);
}, 180_000);

afterAll(async () => {
  await kubectl('uncordon', 'real-node-1').catch(() => undefined);
  await kubectl('delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=false').catch(() => undefined);
});

describe('two real nodes', () => {
  it('a Deployment spread over both nodes pulls registry.slipway.internal:5000 images on each, and Traefik routes to both', { timeout: 120_000 }, async () => {
    pods = await eventually(async () => ((await readyPods()).length === 2 ? readyPods() : null), 90_000, 'two ready pods');
    expect(pods.map((p) => p.spec.nodeName).sort()).toEqual(['real-node-0', 'real-node-1']);
    for (const pod of pods) {
      expect(pod.status?.containerStatuses?.[0]?.image).toBe(IMAGE);
      expect(pod.status?.containerStatuses?.[0]?.imageID).toMatch(/^registry\.slipway\.internal:5000\/slipway-test\/python@sha256:[0-9a-f]{64}$/);
    }
    const seen = new Set<string>();
    await eventually(
      async () => {
        const r = await viaTraefik();
        if (r.status === 200) seen.add(r.body.split(' ')[1] ?? '');
        return seen.size === 2;
      },
      30_000,
      'answers from both nodes through Traefik',
    );
    expect([...seen].sort()).toEqual(['real-node-0', 'real-node-1']);
  });

  it('a pod on one node reaches a pod on the other', async () => {
    const [a, b] = [...pods].sort((x, y) => (x.spec.nodeName ?? '').localeCompare(y.spec.nodeName ?? ''));
    expect(await fetchIn(a!.metadata.name, `http://${b!.status!.podIP!}:8080/`)).toBe(`${b!.metadata.name} real-node-1`);
    expect(await fetchIn(b!.metadata.name, `http://${a!.status!.podIP!}:8080/`)).toBe(`${a!.metadata.name} real-node-0`);
  });

  it('pods on both nodes reach the registry Service by its name and this machine’s loopback at the pod host address', async () => {
    const server = createServer((_req, res) => res.end('hello from the host'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      for (const pod of pods) {
        expect(await fetchIn(pod.metadata.name, `http://${testPodHost()}:${port}/`)).toBe('hello from the host');
        const [status, digest] = (
          await python(pod.metadata.name, PUSH_BLOB, `http://${REGISTRY_NAME}:5000`, REPOSITORY, `${NAMESPACE} ${pod.metadata.name}`)
        ).split(' ');
        expect(status).toBe('201');
        // The host sees what the pod pushed, in the registry the nodes pull from.
        expect((await fetch(`http://127.0.0.1:5050/v2/${REPOSITORY}/blobs/${digest!}`, { method: 'HEAD' })).status).toBe(200);
      }
    } finally {
      server.close();
    }
  });

  it('draining real-node-1 while requests go through Traefik answers every request; the pod moves to real-node-0', { timeout: 120_000 }, async () => {
    // The budget lets one pod go once both are counted healthy.
    await eventually(
      async () =>
        (await api.get<{ status?: { disruptionsAllowed?: number } }>(`/apis/policy/v1/namespaces/${NAMESPACE}/poddisruptionbudgets/web`)).status
          ?.disruptionsAllowed === 1,
      30_000,
      'the disruption budget to allow one eviction',
    );
    let done = false;
    const statuses: number[] = [];
    const nodes = new Map<string, number>();
    const loop = (async () => {
      while (!done) {
        const r = await viaTraefik().catch((e: Error) => ({ status: 0, body: e.message }));
        statuses.push(r.status);
        if (r.status === 200) nodes.set(r.body.split(' ')[1] ?? '', (nodes.get(r.body.split(' ')[1] ?? '') ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      await eventually(() => (nodes.get('real-node-1') ?? 0) > 0, 10_000, 'an answer from real-node-1 before the drain');
      // Only this test's pods are evicted: other test files run beside this one with pods on the same node.
      await kubectl('drain', 'real-node-1', '--ignore-daemonsets', '--delete-emptydir-data', '--pod-selector', SELECTOR, '--timeout', '60s');
      // Traefik applies endpoint changes after its provider throttle: requests keep coming a while longer.
      await new Promise((resolve) => setTimeout(resolve, 3000));
    } finally {
      done = true;
      await loop;
      await kubectl('uncordon', 'real-node-1');
    }
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const moved = await eventually(
      async () => {
        const now = await readyPods();
        return now.length === 2 && now.every((p) => p.spec.nodeName === 'real-node-0') ? now : null;
      },
      60_000,
      'both pods ready on real-node-0',
    );
    expect(moved.map((p) => p.metadata.name)).toContain(pods.find((p) => p.spec.nodeName === 'real-node-0')!.metadata.name);
  });
});
