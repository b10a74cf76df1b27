// The Kubernetes runtime against the real control plane (kube-apiserver, controller-manager,
// scheduler, etcd; kwok's fake node makes pods Running and Ready): a web app from ensureApp to
// removeApp. Only the apiserver on 127.0.0.1 is contacted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeApi } from '../../../src/runtime/kubernetes/kube-api.js';
import { isNotFound } from '../../../src/runtime/kubernetes/kubernetes-error.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import { adminApi, commitOf, lines, PREVIEW, PROD, TEST_DOMAIN, TEST_INSTALLATION, testRuntime, uniqueApp, webSpec } from '../../helpers/k8s-cluster.js';

interface Obj {
  metadata: { name: string; labels?: Record<string, string>; resourceVersion?: string; generation?: number; uid?: string; ownerReferences?: { uid: string }[] };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  data?: Record<string, string>;
}

const app = uniqueApp('web');
const ns = `app-${app}`;
let api: KubeApi;
let runtime: Runtime;

async function replicaSetsOf(name: string): Promise<Obj[]> {
  const d = await api.get<Obj>(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`);
  const all = await api.list<Obj>(`/apis/apps/v1/namespaces/${ns}/replicasets`);
  return all.items.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid));
}

async function imageOf(name: string): Promise<string> {
  const d = await api.get<{ spec: { template: { spec: { containers: { image: string }[] } } } }>(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`);
  return d.spec.template.spec.containers[0]!.image;
}

beforeAll(() => {
  api = adminApi();
  runtime = testRuntime();
});

afterAll(async () => {
  await runtime?.removeApp(app).catch(() => undefined);
});

describe('Kubernetes runtime: a web app', () => {
  it('answers ping', async () => {
    await runtime.ping();
  });

  it('deploys preview: the Deployment rolls out, its pod passes quota admission, and the runtime reports it live', async () => {
    const progress = lines();
    const result = await runtime.deploy(webSpec(app, PREVIEW, commitOf(1)), progress.onLine);
    expect(result, progress.out.join('\n')).toMatchObject({ ok: true, instance: { app, environment: 'preview', commit: commitOf(1), state: 'live' } });
    expect(progress.out.join('\n')).toMatch(/rollout of preview: 1 of 1 pods ready/);

    const d = await api.get<Obj>(`/apis/apps/v1/namespaces/${ns}/deployments/preview`);
    expect(d.status).toMatchObject({ updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 });
    expect(d.metadata.labels).toMatchObject({ 'slipway.dev/app': app, 'slipway.dev/environment': 'preview', 'slipway.dev/commit': commitOf(1) });

    const pods = await api.list<Obj & { spec: { containers: { resources: unknown }[] } }>(`/api/v1/namespaces/${ns}/pods`, {
      labelSelector: 'slipway.dev/environment=preview',
    });
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0]!.status).toMatchObject({ phase: 'Running' });
    expect(pods.items[0]!.spec.containers[0]!.resources).toEqual({ requests: { cpu: '62m', memory: '32Mi' }, limits: { cpu: '250m', memory: '128Mi' } });
    const quota = await api.get<{ status: { used: Record<string, string> } }>(`/api/v1/namespaces/${ns}/resourcequotas/app-quota`);
    expect(quota.status.used).toMatchObject({ pods: '1', 'limits.cpu': '250m', 'limits.memory': '128Mi' });

    const ingress = await api.get<{ spec: { rules: { host: string }[] } }>(`/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/preview`);
    expect(ingress.spec.rules[0]!.host).toBe(`${app}-preview.${TEST_DOMAIN}`);
    await api.get(`/api/v1/namespaces/${ns}/services/preview`);
    const configMaps = await api.list<Obj>(`/api/v1/namespaces/${ns}/configmaps`, { labelSelector: 'slipway.dev/holds=env' });
    expect(configMaps.items.map((c) => c.data)).toEqual([{ GREETING: 'hello', FLAG: 'yes' }]);
    const secrets = await api.list<Obj>(`/api/v1/namespaces/${ns}/secrets`, { labelSelector: 'slipway.dev/holds=secrets' });
    expect(secrets.items.map((s) => Buffer.from(s.data?.['API_TOKEN'] ?? '', 'base64').toString())).toEqual(['s3cret-value']);

    const current = await runtime.current(app);
    expect(current.map((i) => [i.environment, i.commit, i.state])).toEqual([['preview', commitOf(1), 'live']]);
  });

  it('the first deploy created the namespace (labelled with the installation), quota, limit range, network policy and role binding', async () => {
    const namespace = await api.get<Obj>(`/api/v1/namespaces/${ns}`);
    expect(namespace.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'slipway',
      'slipway.dev/app': app,
      'slipway.dev/installation': TEST_INSTALLATION,
    });
    const quota = await api.get<Obj>(`/api/v1/namespaces/${ns}/resourcequotas/app-quota`);
    expect(quota.spec?.['hard']).toEqual({ 'requests.cpu': '500m', 'requests.memory': '256Mi', 'limits.cpu': '1', 'limits.memory': '512Mi', pods: '6' });
    await api.get(`/api/v1/namespaces/${ns}/limitranges/app-limits`);
    await api.get(`/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/app-ingress`);
    const rb = await api.get<{ subjects: { name: string; namespace: string }[] }>(
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/slipway-builder`,
    );
    expect(rb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'slipway-builder', namespace: 'slipway-system' }]);
  });

  it('a second apply of the same app changes nothing: no new ReplicaSet, same generation', async () => {
    const before = await api.get<Obj>(`/apis/apps/v1/namespaces/${ns}/deployments/preview`);
    const setsBefore = await replicaSetsOf('preview');
    const result = await runtime.deploy(webSpec(app, PREVIEW, commitOf(1)), () => undefined);
    expect(result.ok).toBe(true);
    const after = await api.get<Obj>(`/apis/apps/v1/namespaces/${ns}/deployments/preview`);
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect((await replicaSetsOf('preview')).map((r) => r.metadata.name)).toEqual(setsBefore.map((r) => r.metadata.name));
  });

  it('puts back fields changed by hand on managed objects at the next deploy', async () => {
    const asPerson = { contentType: 'application/merge-patch+json', query: { fieldManager: 'kubectl-edit' } };
    await api.request('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/preview`, { ...asPerson, body: { spec: { replicas: 3 } } });
    await api.request('PATCH', `/api/v1/namespaces/${ns}/resourcequotas/app-quota`, { ...asPerson, body: { spec: { hard: { pods: '50' } } } });
    await api.request('PATCH', `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/preview`, {
      ...asPerson,
      body: {
        spec: {
          rules: [
            {
              host: 'elsewhere.example.com',
              http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'preview', port: { name: 'http' } } } }] },
            },
          ],
        },
      },
    });
    const setsBefore = (await replicaSetsOf('preview')).length;

    const result = await runtime.deploy(webSpec(app, PREVIEW, commitOf(1)), () => undefined);
    expect(result.ok).toBe(true);
    const d = await api.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${ns}/deployments/preview`);
    expect(d.spec.replicas).toBe(1);
    const quota = await api.get<{ spec: { hard: Record<string, string> } }>(`/api/v1/namespaces/${ns}/resourcequotas/app-quota`);
    expect(quota.spec.hard['pods']).toBe('6');
    const ingress = await api.get<{ spec: { rules: { host: string }[] } }>(`/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/preview`);
    expect(ingress.spec.rules.map((r) => r.host)).toEqual([`${app}-preview.${TEST_DOMAIN}`]);
    expect((await replicaSetsOf('preview')).length).toBe(setsBefore);
  });

  it('publishes to production and rolls back, waiting for each rollout', async () => {
    expect((await runtime.deploy(webSpec(app, PROD, commitOf(1)), () => undefined)).ok).toBe(true);
    const publish = lines();
    const published = await runtime.deploy(webSpec(app, PROD, commitOf(2)), publish.onLine);
    expect(published, publish.out.join('\n')).toMatchObject({ ok: true, instance: { environment: 'prod', commit: commitOf(2) } });
    expect(await imageOf('prod')).toBe(`localhost:5050/${app}:${commitOf(2).slice(0, 12)}`);
    let d = await api.get<Obj>(`/apis/apps/v1/namespaces/${ns}/deployments/prod`);
    expect(d.status).toMatchObject({ replicas: 1, updatedReplicas: 1, availableReplicas: 1 });
    expect((await runtime.current(app)).find((i) => i.environment === 'prod')?.commit).toBe(commitOf(2));

    const rolledBack = await runtime.deploy(webSpec(app, PROD, commitOf(1)), () => undefined);
    expect(rolledBack).toMatchObject({ ok: true, instance: { commit: commitOf(1) } });
    expect(await imageOf('prod')).toBe(`localhost:5050/${app}:${commitOf(1).slice(0, 12)}`);
    d = await api.get<Obj>(`/apis/apps/v1/namespaces/${ns}/deployments/prod`);
    expect(d.status).toMatchObject({ replicas: 1, updatedReplicas: 1, availableReplicas: 1 });
    // Rolling back reuses the first ReplicaSet: the same pod template, nothing rebuilt.
    expect((await replicaSetsOf('prod')).length).toBe(2);
    const current = await runtime.current(app);
    expect(current.map((i) => [i.environment, i.commit]).sort()).toEqual([
      ['preview', commitOf(1)],
      ['prod', commitOf(1)],
    ]);
  });

  it('gives a new ConfigMap when env changes, and prunes the ones nothing refers to', async () => {
    const spec = webSpec(app, PREVIEW, commitOf(1));
    expect((await runtime.deploy({ ...spec, settings: { ...spec.settings, env: { GREETING: 'changed' } } }, () => undefined)).ok).toBe(true);
    const configMaps = await api.list<Obj>(`/api/v1/namespaces/${ns}/configmaps`, { labelSelector: 'slipway.dev/holds=env,slipway.dev/environment=preview' });
    // The old one stays while the old ReplicaSet names it (a rollback needs it).
    expect(configMaps.items.map((c) => c.data?.['GREETING']).sort()).toEqual(['changed', 'hello']);
    const d = await api.get<{ spec: { template: { spec: { containers: { envFrom: { configMapRef?: { name: string } }[] }[] } } } }>(
      `/apis/apps/v1/namespaces/${ns}/deployments/preview`,
    );
    const used = d.spec.template.spec.containers[0]!.envFrom[0]!.configMapRef!.name;
    expect(configMaps.items.find((c) => c.metadata.name === used)?.data).toEqual({ GREETING: 'changed' });
  });

  it("streams the pods' logs through the apiserver", async () => {
    const got: string[] = [];
    for await (const line of runtime.logs(app, 'preview', { tail: 10, follow: false })) got.push(line);
    expect(got).toContain('slipway test pod started');
    const stop = new AbortController();
    const followed: string[] = [];
    for await (const line of runtime.logs(app, 'preview', { tail: 1, follow: true }, stop.signal)) {
      followed.push(line);
      stop.abort();
    }
    expect(followed).toHaveLength(1);
    await expect(async () => {
      for await (const _ of runtime.logs(app, 'staging', { tail: 10, follow: false })) void _;
    }).rejects.toThrow(/no pod of .* staging has a log/);
  });

  it('removeApp deletes the namespace and waits until it is gone', async () => {
    await runtime.removeApp(app);
    await expect(api.get(`/api/v1/namespaces/${ns}`)).rejects.toSatisfy(isNotFound);
    expect(await runtime.current(app)).toEqual([]);
    await runtime.removeApp(app);
  });
});
