// The test Kubernetes cluster (scripts/k8s-test-cluster.sh): its admin kubeconfig, API clients,
// builder tokens and the test environments. Tests fail, never skip, when the cluster is missing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { EnvironmentDef } from '../../src/domain/types.js';
import type { DeploySpec } from '../../src/runtime/runtime.js';
import { createKubeApi, type KubeApi } from '../../src/runtime/kubernetes/kube-api.js';
import { createKubernetesRuntime, type KubernetesRuntimeOptions } from '../../src/runtime/kubernetes/create-kubernetes-runtime.js';
import type { Runtime } from '../../src/runtime/runtime.js';

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');
export const TEMPLATES_DIR = join(PROJECT_ROOT, 'k8s', 'templates');
export const BOOTSTRAP_DIR = join(PROJECT_ROOT, 'k8s', 'bootstrap');
export const TEST_DOMAIN = '203-0-113-7.nip.io';
/** The installation id of test runtimes (the label on the app namespaces they make). */
export const TEST_INSTALLATION = 'testinstallation';

const HOW = 'start it with: SLIPWAY_TEST_KUBECONFIG="$(scripts/k8s-test-cluster.sh up | tail -n 1 | cut -d= -f2-)" npx vitest run test/integration/kubernetes';

/** The path of the test cluster's admin kubeconfig (scripts/test.sh exports it). */
export function testKubeConfigPath(): string {
  const path = process.env['SLIPWAY_TEST_KUBECONFIG'];
  if (!path) throw new Error(`SLIPWAY_TEST_KUBECONFIG is not set: these tests need the test Kubernetes cluster; ${HOW}`);
  return path;
}

/** Traefik of the test cluster's real nodes, on 127.0.0.1 (the `TRAEFIK=` line of scripts/k8s-test-cluster.sh up). */
export function testTraefik(): { host: string; port: number } {
  return traefikAt('SLIPWAY_TEST_TRAEFIK', 'TRAEFIK');
}

/** Traefik's entrypoint `websecure` (TLS) of the real nodes (the `TRAEFIK_HTTPS=` line). */
export function testTraefikHttps(): { host: string; port: number } {
  return traefikAt('SLIPWAY_TEST_TRAEFIK_HTTPS', 'TRAEFIK_HTTPS');
}

function traefikAt(variable: string, line: string): { host: string; port: number } {
  const at = process.env[variable] ?? '';
  const m = /^127\.0\.0\.1:(\d+)$/.exec(at);
  if (!m) throw new Error(`${variable}="${at}": expected 127.0.0.1:PORT from scripts/k8s-test-cluster.sh up (its ${line}= line); scripts/test.sh exports it`);
  return { host: '127.0.0.1', port: Number(m[1]) };
}

/** The test cluster's real nodes, real-node-0 first (the `REAL_NODES=` line; scripts/test.sh exports it). */
export function testRealNodes(): string[] {
  const names = (process.env['SLIPWAY_TEST_REAL_NODES'] ?? '').split(',').filter((n) => n !== '');
  if (names.length === 0) throw new Error('SLIPWAY_TEST_REAL_NODES is not set: scripts/test.sh exports the REAL_NODES= line of scripts/k8s-test-cluster.sh up');
  return names;
}

/** The address at which the real nodes' pods reach this machine's loopback: POD_HOST:PORT is 127.0.0.1:PORT (the `POD_HOST=` line). */
export function testPodHost(): string {
  return clusterLine('SLIPWAY_TEST_POD_HOST', 'POD_HOST', /^\d+\.\d+\.\d+\.\d+$/);
}

/** The registry Service's address, IP:PORT, which the real nodes' pods push to (the `POD_REGISTRY=` line). */
export function testPodRegistry(): string {
  return clusterLine('SLIPWAY_TEST_POD_REGISTRY', 'POD_REGISTRY', /^\d+\.\d+\.\d+\.\d+:\d+$/);
}

function clusterLine(variable: string, line: string, shape: RegExp): string {
  const value = process.env[variable] ?? '';
  if (!shape.test(value)) throw new Error(`${variable}="${value}": expected the ${line}= line of scripts/k8s-test-cluster.sh up; scripts/test.sh exports it`);
  return value;
}

/** The kubectl built with the test cluster (scripts/test.sh exports its path). */
export function kubectlPath(): string {
  const path = process.env['SLIPWAY_TEST_KUBECTL'];
  if (!path) throw new Error('SLIPWAY_TEST_KUBECTL is not set: scripts/test.sh exports the path of the kubectl scripts/k8s-test-cluster.sh built');
  return path;
}

/** The admin kubeconfig of the test cluster, checked to be on 127.0.0.1 (never a real cluster). */
export function testKubeConfig(): KubeConfig {
  const path = testKubeConfigPath();
  const kc = new KubeConfig();
  kc.loadFromString(readFileSync(path, 'utf8'));
  const server = kc.getCurrentCluster()?.server ?? '';
  if (!/^https:\/\/127\.0\.0\.1:\d+$/.test(server)) throw new Error(`SLIPWAY_TEST_KUBECONFIG points at ${server}, not at the test cluster on 127.0.0.1`);
  return kc;
}

export function adminApi(): KubeApi {
  return createKubeApi(testKubeConfig());
}

/** A KubeConfig that authenticates with a bearer token (a ServiceAccount's), same server and CA. */
export function tokenKubeConfig(token: string): KubeConfig {
  const admin = testKubeConfig();
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: cluster.server, caData: cluster.caData }],
    users: [{ name: 'sa', token }],
    contexts: [{ name: 'sa', cluster: 'test', user: 'sa' }],
    currentContext: 'sa',
  });
  return kc;
}

/** A real token for a ServiceAccount, from the TokenRequest API. */
export async function requestToken(api: KubeApi, namespace: string, serviceAccount: string): Promise<string> {
  const res = await api.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  return res.status.token;
}

function environment(name: string, ref: string, host: string): EnvironmentDef {
  return {
    name,
    title: name,
    ref,
    host,
    replicas: 1,
    resources: { cpu: '250m', memory: '128Mi' },
    // Short, so that the never-ready case fails within seconds (progress deadline = 2s + margin).
    health: { path: '/health', timeoutSeconds: 1, intervalSeconds: 1, attempts: 2 },
    graceSeconds: 1,
    warmReleases: 0,
  };
}

export const PREVIEW = environment('preview', 'refs/heads/main', '{app}-preview.{domain}');
export const PROD = environment('prod', 'refs/heads/prod', '{app}.{domain}');
export const TEST_ENVIRONMENTS: readonly EnvironmentDef[] = [PREVIEW, PROD];

let counter = 0;
/** A fresh app name per test (namespaces of earlier runs may still be terminating). */
export function uniqueApp(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid.toString(36)}${counter}${Date.now().toString(36).slice(-4)}`;
}

export function commitOf(n: number): string {
  return n.toString(16).padStart(2, '0').repeat(20).slice(0, 40);
}

export function webSpec(app: string, environment: EnvironmentDef, commit: string, extra: Partial<DeploySpec> = {}): DeploySpec {
  return {
    app,
    environment,
    commit,
    image: `localhost:5050/${app}:${commit.slice(0, 12)}`,
    settings: { kind: 'web', port: 8080, healthPath: '/health', env: { GREETING: 'hello', FLAG: 'yes' } },
    secrets: { API_TOKEN: 's3cret-value' },
    deploymentId: `dep_${commit.slice(0, 6)}`,
    ...extra,
  };
}

export function jobSpec(app: string, environment: EnvironmentDef, commit: string): DeploySpec {
  return {
    ...webSpec(app, environment, commit),
    settings: { kind: 'job', port: 8080, healthPath: '/health', schedule: '*/5 * * * *', env: { GREETING: 'hello' } },
  };
}

export function testRuntime(overrides: Partial<KubernetesRuntimeOptions> = {}): Runtime {
  return createKubernetesRuntime({
    kubeConfig: testKubeConfig(),
    templatesDir: TEMPLATES_DIR,
    domain: TEST_DOMAIN,
    environments: TEST_ENVIRONMENTS,
    installation: TEST_INSTALLATION,
    registry: 'localhost:5050',
    rolloutMarginSeconds: 6,
    namespaceDeleteTimeoutSeconds: 60,
    ...overrides,
  });
}

/** Collects a deploy's progress lines. */
export function lines(): { out: string[]; onLine: (l: string) => void } {
  const out: string[] = [];
  return { out, onLine: (l) => out.push(l) };
}
