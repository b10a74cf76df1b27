// Deploys that fail: pods that never become ready (kwok never makes pods of an image tagged
// `never-ready` Ready, and records a failing readiness probe), content the apiserver refuses,
// and a deploy cut off before its rollout finished.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeApi } from '../../../src/runtime/kubernetes/kube-api.js';
import { isNotFound } from '../../../src/runtime/kubernetes/kubernetes-error.js';
import { readInstances } from '../../../src/runtime/kubernetes/read-instances.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import { adminApi, commitOf, lines, PREVIEW, testRuntime, uniqueApp, webSpec } from '../../helpers/k8s-cluster.js';

const app = uniqueApp('fail');
const fresh = uniqueApp('fresh');
const ns = `app-${app}`;
let api: KubeApi;
let runtime: Runtime;

const neverReady = (commit: string) =>
  webSpec(app, PREVIEW, commit, { image: `localhost:5050/${app}:never-ready`, deploymentId: `dep_bad_${commit.slice(0, 4)}` });

async function templateCommit(namespace: string, name: string): Promise<string | undefined> {
  const d = await api.get<{ spec: { template: { metadata: { labels: Record<string, string> } } } }>(
    `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
  );
  return d.spec.template.metadata.labels['slipway.dev/commit'];
}

beforeAll(async () => {
  api = adminApi();
  runtime = testRuntime();
  const first = await runtime.deploy(webSpec(app, PREVIEW, commitOf(1)), () => undefined);
  expect(first.ok).toBe(true);
});

afterAll(async () => {
  await runtime?.removeApp(app).catch(() => undefined);
  await runtime?.removeApp(fresh).catch(() => undefined);
});

describe('Kubernetes runtime: failed deployments', () => {
  it("reports pods that never become ready as failed, with the reason and the pod's events, and keeps the old version serving", async () => {
    const progress = lines();
    const started = Date.now();
    const result = await runtime.deploy(neverReady(commitOf(2)), progress.onLine);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/^ProgressDeadlineExceeded: ReplicaSet ".*" has timed out progressing\. — Unhealthy: Readiness probe failed/);
    expect(result.logTail).toMatch(/pod preview-.*: Running, app running but not ready/);
    expect(result.logTail).toMatch(/Pod preview-.*: Warning Unhealthy: Readiness probe failed/);
    expect(result.logTail).toContain('slipway test pod started');
    expect(progress.out.join('\n')).toMatch(/rolled preview back to 010101010101, which keeps serving/);
    expect(Date.now() - started).toBeLessThan(45_000);

    expect(await templateCommit(ns, 'preview')).toBe(commitOf(1));
    const current = await runtime.current(app);
    expect(current.map((i) => [i.environment, i.commit, i.state, i.deploymentId])).toEqual([
      ['preview', commitOf(1), 'live', `dep_${commitOf(1).slice(0, 6)}`],
    ]);
    const pods = await api.list<{ metadata: { deletionTimestamp?: string }; spec: { containers: { image: string }[] } }>(`/api/v1/namespaces/${ns}/pods`);
    expect(pods.items.filter((p) => p.spec.containers[0]!.image.endsWith(':never-ready') && !p.metadata.deletionTimestamp)).toHaveLength(0);
  });

  it('removes the Deployment when the first deploy of an environment fails (nothing served before)', async () => {
    const result = await runtime.deploy(webSpec(fresh, PREVIEW, commitOf(3), { image: `localhost:5050/${fresh}:never-ready` }), () => undefined);
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('ProgressDeadlineExceeded') });
    await expect(api.get(`/apis/apps/v1/namespaces/app-${fresh}/deployments/preview`)).rejects.toSatisfy(isNotFound);
    expect(await runtime.current(fresh)).toEqual([]);
  });

  it('reports content the apiserver refuses as a failed deploy, with its message', async () => {
    const spec = webSpec(app, PREVIEW, commitOf(4));
    const result = await runtime.deploy({ ...spec, settings: { ...spec.settings, env: { 'NOT A NAME': 'x' } } }, () => undefined);
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/ConfigMap .*is invalid.*NOT A NAME/) });
    expect(await templateCommit(ns, 'preview')).toBe(commitOf(1));
  });

  it('refuses an image from another registry before touching the cluster', async () => {
    const result = await runtime.deploy(webSpec(app, PREVIEW, commitOf(5), { image: `docker.io/library/${app}:x` }), () => undefined);
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('is not in the registry localhost:5050') });
  });

  it('removeStale rolls back a rollout that a crash cut off', async () => {
    const stop = new AbortController();
    const deploying = runtime.deploy(
      neverReady(commitOf(6)),
      (line) => {
        if (line.startsWith('rollout of preview')) stop.abort(new Error('cut off'));
      },
      stop.signal,
    );
    await expect(deploying).rejects.toThrow('cut off');
    expect(await templateCommit(ns, 'preview')).toBe(commitOf(6));
    const listed = await readInstances(api, ns);
    expect(listed.map((i) => `${i.state}:${i.commit.slice(0, 2)}`).sort()).toEqual(['live:01', 'starting:06']);

    // Only this deploy is inactive: other test files deploy on the same cluster at the same time.
    const isActive = (id: string) => id !== `dep_bad_${commitOf(6).slice(0, 4)}`;
    expect(await runtime.removeStale(isActive)).toBe(1);
    expect(await templateCommit(ns, 'preview')).toBe(commitOf(1));
    expect(await runtime.removeStale(isActive)).toBe(0);
  });
});
