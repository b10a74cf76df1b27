// Branch previews on the Kubernetes runtime against the shared test cluster (kwok's node makes pods Running and
// Ready): one more Deployment/Service/Ingress in the app's namespace within its quota; a second one, which would
// leave no room for a rolling update, is refused at once saying the quota is full; removeEnvironment takes one away
// and frees its room. Only the apiserver on 127.0.0.1 is contacted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { branchEnvironment } from '../../../src/domain/branch-environment.js';
import type { EnvironmentDef } from '../../../src/domain/types.js';
import type { KubeApi } from '../../../src/runtime/kubernetes/kube-api.js';
import { isNotFound } from '../../../src/runtime/kubernetes/kubernetes-error.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import { eventually } from '../../helpers/app-http.js';
import { adminApi, commitOf, lines, PREVIEW, PROD, TEST_DOMAIN, testRuntime, uniqueApp, webSpec } from '../../helpers/k8s-cluster.js';

const app = uniqueApp('branch');
const ns = `app-${app}`;
let api: KubeApi;
let runtime: Runtime;

function branch(name: string): EnvironmentDef {
  const made = branchEnvironment(PREVIEW, app, TEST_DOMAIN, name);
  if (!made.ok) throw new Error(made.reason);
  return made.environment;
}

async function exists(path: string): Promise<boolean> {
  try {
    await api.get(path);
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

beforeAll(() => {
  api = adminApi();
  runtime = testRuntime();
});

afterAll(async () => {
  await runtime?.removeApp(app).catch(() => undefined);
});

describe('Kubernetes runtime: branch previews', () => {
  const x = () => branch('feature/x');
  const y = () => branch('feature/y');

  it('runs a branch preview beside preview and production, at its own host', { timeout: 180_000 }, async () => {
    for (const env of [PREVIEW, PROD]) expect((await runtime.deploy(webSpec(app, env, commitOf(1)), () => undefined)).ok).toBe(true);
    const progress = lines();
    const result = await runtime.deploy(webSpec(app, x(), commitOf(2)), progress.onLine);
    expect(result, progress.out.join('\n')).toMatchObject({ ok: true, instance: { environment: x().name, commit: commitOf(2), state: 'live' } });
    const ingress = await api.get<{ spec: { rules: { host: string }[] } }>(`/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${x().name}`);
    expect(ingress.spec.rules[0]!.host).toBe(`${app}--${x().branch!.slug}-preview.${TEST_DOMAIN}`);
    expect((await runtime.current(app)).map((i) => i.environment).sort()).toEqual([PREVIEW.name, x().name, PROD.name].sort());
  });

  it('refuses a second branch preview at once when the quota would have no room left to roll', { timeout: 60_000 }, async () => {
    const started = Date.now();
    const result = await runtime.deploy(webSpec(app, y(), commitOf(3)), () => undefined);
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/^the app's Kubernetes quota is full \(ResourceQuota app-quota in app-/) });
    expect(!result.ok && result.reason).toMatch(/preview of feature\/y needs limits\.cpu 500m \(used 750m of 1\)/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await exists(`/apis/apps/v1/namespaces/${ns}/deployments/${y().name}`)).toBe(false);
  });

  it('removeEnvironment takes a branch preview away (Ingress, Deployment, Service, config) and frees its room', { timeout: 180_000 }, async () => {
    await runtime.removeEnvironment(app, x().name);
    for (const path of [
      `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${x().name}`,
      `/apis/apps/v1/namespaces/${ns}/deployments/${x().name}`,
      `/api/v1/namespaces/${ns}/services/${x().name}`,
    ])
      expect(await exists(path), path).toBe(false);
    const configs = await api.list<{ metadata: { name: string } }>(`/api/v1/namespaces/${ns}/configmaps`, {
      labelSelector: `slipway.dev/environment=${x().name}`,
    });
    expect(configs.items).toEqual([]);
    expect(await exists(`/apis/apps/v1/namespaces/${ns}/deployments/${PREVIEW.name}`)).toBe(true);
    // Once its pods are gone the quota counts them no more, and the other branch fits.
    await eventually(async () => (await runtime.deploy(webSpec(app, y(), commitOf(3)), () => undefined)).ok, 120_000, 'room for feature/y');
    expect((await runtime.current(app)).map((i) => i.environment).sort()).toEqual([PREVIEW.name, y().name, PROD.name].sort());
  });
});
