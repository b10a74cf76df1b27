// The builder's least privilege (k8s/bootstrap/10-builder-rbac.yaml and its admission policy),
// tested with a real token for its ServiceAccount from the TokenRequest API: every call the
// runtime makes succeeds; anything outside app-* namespaces is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeApi, type KubeApi, type KubeObject } from '../../../src/runtime/kubernetes/kube-api.js';
import { KubernetesError } from '../../../src/runtime/kubernetes/kubernetes-error.js';
import { renderBootstrap } from '../../../src/runtime/kubernetes/render-bootstrap.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import {
  adminApi,
  BOOTSTRAP_DIR,
  commitOf,
  jobSpec,
  PREVIEW,
  PROD,
  requestToken,
  testRuntime,
  tokenKubeConfig,
  uniqueApp,
  webSpec,
} from '../../helpers/k8s-cluster.js';

const RBAC_KINDS = [
  'Namespace',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
];
const web = uniqueApp('rbac');
const job = uniqueApp('rbacjob');
let admin: KubeApi;
let builder: KubeApi;
let runtime: Runtime;

async function refused(call: Promise<unknown>): Promise<KubernetesError> {
  const outcome = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(outcome, 'the call should have been refused').toBeInstanceOf(KubernetesError);
  expect((outcome as KubernetesError).statusCode).toBe(403);
  return outcome as KubernetesError;
}

const configMap = (namespace: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe', namespace }, data: { a: 'b' } });

beforeAll(async () => {
  admin = adminApi();
  for (const o of renderBootstrap(BOOTSTRAP_DIR, { publicIp: '203.0.113.7', builderImage: 'unused', buildkitImage: 'unused' }).filter((x) =>
    RBAC_KINDS.includes(x.kind),
  ))
    await admin.apply(o);
  const token = await requestToken(admin, 'slipway-system', 'slipway-builder');
  const kubeConfig = tokenKubeConfig(token);
  builder = createKubeApi(kubeConfig);
  runtime = testRuntime({ kubeConfig });
  // A new admission policy takes effect once the apiserver has compiled it: probe (dry run) until it refuses.
  const until = Date.now() + 30_000;
  for (;;) {
    const probe = await builder.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'not-an-app-probe' } }, { dryRun: true }).then(
      () => null,
      (e: unknown) => e,
    );
    if (probe instanceof KubernetesError && probe.statusCode === 403) break;
    if (Date.now() > until) throw new Error(`the admission policy did not take effect within 30s: ${String(probe)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
});

afterAll(async () => {
  for (const app of [web, job]) await admin.delete(`/api/v1/namespaces/app-${app}`).catch(() => undefined);
});

describe('the builder ServiceAccount (real token)', () => {
  it('is who the apiserver thinks it is', async () => {
    const review = await builder.request<{ status: { userInfo: { username: string } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expect(review.status.userInfo.username).toBe('system:serviceaccount:slipway-system:slipway-builder');
  });

  it('can make every call of the runtime: deploy, a failed deploy, current, logs, runJob, removeStale, removeApp', async () => {
    await runtime.ping();
    expect((await runtime.deploy(webSpec(web, PREVIEW, commitOf(1)), () => undefined)).ok).toBe(true);
    expect((await runtime.deploy(webSpec(web, PROD, commitOf(1)), () => undefined)).ok).toBe(true);
    expect((await runtime.deploy(webSpec(web, PROD, commitOf(2)), () => undefined)).ok).toBe(true);
    // With HTTPS on: an environment's certificates (TLS Secrets, its HTTPS Ingress) and the route of ACME challenges.
    expect(await runtime.applyCertificates!(web, 'prod', [{ host: `${web}.example.com`, cert: 'CERT', key: 'KEY' }])).toBe(true);
    expect(await admin.get(`/apis/networking.k8s.io/v1/namespaces/app-${web}/ingresses/prod.tls`)).toBeTruthy();
    expect(await runtime.applyCertificates!(web, 'prod', [])).toBe(true);
    await runtime.routeAcmeChallenges!([`${web}.example.com`]);
    await runtime.routeAcmeChallenges!([]);
    const failed = await runtime.deploy(webSpec(web, PREVIEW, commitOf(3), { image: `localhost:5050/${web}:never-ready` }), () => undefined);
    expect(failed).toMatchObject({ ok: false, reason: expect.stringContaining('Readiness probe failed') });
    expect((await runtime.current(web)).map((i) => `${i.environment}:${i.commit.slice(0, 2)}`).sort()).toEqual(['preview:01', 'prod:02']);
    const logs: string[] = [];
    for await (const line of runtime.logs(web, 'prod', { tail: 3, follow: false })) logs.push(line);
    expect(logs.length).toBeGreaterThan(0);
    expect((await runtime.deploy(jobSpec(job, PREVIEW, commitOf(4)), () => undefined)).ok).toBe(true);
    expect((await runtime.runJob(jobSpec(job, PREVIEW, commitOf(4)), () => undefined)).exitCode).toBe(0);
    // Everything counts as active: other test files deploy on the same cluster at the same time.
    expect(await runtime.removeStale(() => true)).toBe(0);
    await runtime.removeApp(web);
    await runtime.removeApp(job);
  });

  it('cannot create anything in kube-system', async () => {
    await refused(builder.apply(configMap('kube-system')));
    const binding: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'escalate', namespace: 'kube-system' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'slipway-app' },
      subjects: [{ kind: 'ServiceAccount', name: 'slipway-builder', namespace: 'slipway-system' }],
    };
    const e = await refused(builder.apply(binding));
    expect(e.message).toContain('may only change namespaces named app-*');
    await refused(builder.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'kube-system' }, spec: {} }));
  });

  it('cannot read secrets in its own namespace, nor change anything there but its ACME Ingress, nor anywhere outside app namespaces', async () => {
    await refused(builder.list('/api/v1/namespaces/slipway-system/secrets'));
    await refused(builder.get('/api/v1/namespaces/slipway-system/secrets/slipway-secrets'));
    await refused(builder.list('/api/v1/namespaces/kube-system/secrets'));
    await refused(builder.list('/api/v1/secrets'));
    await refused(builder.apply(configMap('slipway-system')));
    // Its one Ingress there is the ACME challenges' (slipway-acme-*): no other.
    const ingress = (name: string): KubeObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace: 'slipway-system' },
      spec: {
        rules: [{ host: 'ui.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'x', port: { number: 80 } } } }] } }],
      },
    });
    await refused(builder.apply(ingress('take-over')));
  });

  it('cannot create a namespace not named app-*, nor delete kube-system or its own', async () => {
    const e = await refused(builder.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }));
    expect(e.message).toContain('may only change namespaces named app-* and what is inside them (refused: namespaces shop)');
    await refused(builder.delete('/api/v1/namespaces/kube-system'));
    await refused(builder.delete('/api/v1/namespaces/slipway-system'));
    await refused(builder.delete('/api/v1/namespaces/default'));
  });

  it('writes the registry credentials of build pods in slipway-builds, and no other Secret there; reads none', async () => {
    const secret = (name: string): KubeObject & { type: string; data: Record<string, string> } => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'slipway-builds' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
    });
    await builder.apply(secret('slipway-registry-credentials'));
    await builder.apply(secret('slipway-registry-credentials'));
    // Another name: RBAC refuses patching it (a server-side apply), and the admission policy creating it.
    await refused(builder.apply(secret('other')));
    const e = await refused(builder.request('POST', '/api/v1/namespaces/slipway-builds/secrets', { body: secret('other') }));
    expect(e.message).toContain('(refused: secrets other in namespace slipway-builds)');
    await refused(builder.list('/api/v1/namespaces/slipway-builds/secrets'));
    await refused(builder.delete('/api/v1/namespaces/slipway-builds/secrets/slipway-registry-credentials'));
    await admin.delete('/api/v1/namespaces/slipway-builds/secrets/slipway-registry-credentials');
  });

  it('cannot weaken its own guard', async () => {
    await refused(builder.delete('/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/slipway-builder-app-namespaces-only'));
    await refused(
      builder.request('PATCH', '/apis/rbac.authorization.k8s.io/v1/clusterroles/slipway-app', {
        body: { rules: [] },
        contentType: 'application/merge-patch+json',
      }),
    );
  });
});
