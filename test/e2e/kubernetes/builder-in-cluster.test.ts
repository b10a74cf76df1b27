// The seed's deployment, run for real: scripts/bootstrap-cluster.sh (with --test-cluster) builds the Slipway image from
// this checkout, pushes it to the registry and deploys it with k8s/bootstrap/ on the test cluster's real node; then,
// only through Traefik on 127.0.0.1 with `Host: builder.DOMAIN`, a person signs in with the token the script printed,
// creates an app, clones it, pushes a change, and the preview (built in a BuildKit Job the builder starts — no Docker
// Engine in the cluster — deployed with its ServiceAccount) answers through Traefik.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { gitOk } from '../../helpers/git-cli.js';
import { adminApi, kubectlPath, PROJECT_ROOT, testKubeConfigPath, testRealNodes, testTraefik, uniqueApp } from '../../helpers/k8s-cluster.js';

const run = promisify(execFile);
const DOMAIN = 'builder-node.test';
const BUILDER_HOST = `builder.${DOMAIN}`;
const NAMESPACE = 'slipway-system';
const traefik = testTraefik();
const api = adminApi();
const app = uniqueApp('inbuilder');
const cloneDir = mkdtempSync(join(tmpdir(), 'slipway-inbuilder-'));

let token = '';
let bootstrapOutput = '';

/** A request to the builder, through Traefik. */
const builder = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
  getViaProxy(traefik.port, BUILDER_HOST, path, init.headers ?? {}, init.method ?? 'GET', init.body);
const builderApi = async (method: string, path: string, body?: unknown) => {
  const r = await builder(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: r.body ? (JSON.parse(r.body) as Record<string, unknown>) : {} };
};
const preview = () => getViaProxy(traefik.port, `${app}-preview.${DOMAIN}`, '/');

// git through Traefik: the builder's host name resolves (for git's libcurl only) to Traefik's 127.0.0.1 port.
const gitEnv = {
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'http.curloptResolve',
  GIT_CONFIG_VALUE_0: `${BUILDER_HOST}:${traefik.port}:127.0.0.1`,
};

beforeAll(async () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBECONFIG: testKubeConfigPath(),
    PATH: `${dirname(kubectlPath())}:${process.env.PATH ?? ''}`,
    // BuildKit pulls the base images from the registry: the offline ones, pushed there by scripts/test.sh.
    SLIPWAY_BUILD_ARGS: process.env.SLIPWAY_TEST_REGISTRY_BUILD_ARGS ?? '',
  };
  delete env.SLIPWAY_ADMIN_TOKEN;
  delete env.ANTHROPIC_API_KEY;
  try {
    const r = await run('bash', [join(PROJECT_ROOT, 'scripts', 'bootstrap-cluster.sh'), '--test-cluster', '--domain', DOMAIN], {
      cwd: PROJECT_ROOT,
      env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 840_000,
    });
    bootstrapOutput = r.stdout + r.stderr;
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`scripts/bootstrap-cluster.sh --test-cluster failed:\n${`${err.stdout ?? ''}${err.stderr ?? ''}`.split('\n').slice(-40).join('\n')}`);
  }
  token = /^admin token: (\S+)$/m.exec(bootstrapOutput)?.[1] ?? '';
}, 900_000);

afterAll(async () => {
  rmSync(cloneDir, { recursive: true, force: true });
  if (token) await builderApi('DELETE', `/api/apps/${app}`).catch(() => undefined);
  await api.delete(`/api/v1/namespaces/app-${app}`).catch(() => undefined);
  // The builder goes; the namespace and its ServiceAccount stay (test/integration/kubernetes/rbac.test.ts uses them too).
  const kubectl = (...args: string[]) => run(kubectlPath(), ['--kubeconfig', testKubeConfigPath(), ...args]).catch(() => undefined);
  await kubectl('-n', NAMESPACE, 'delete', 'deployment,service,ingress', 'slipway-builder', '--ignore-not-found', '--wait=false');
  await kubectl('-n', NAMESPACE, 'delete', 'secret', 'slipway-secrets', '--ignore-not-found');
});

describe('the builder in the cluster (scripts/bootstrap-cluster.sh --test-cluster)', () => {
  it('prints where it serves and a new admin token, and runs as a pod of a real node from the registry', async () => {
    expect(bootstrapOutput).toContain(`Slipway is running: http://${BUILDER_HOST}`);
    expect(token).toMatch(/^slw_[A-Za-z0-9_-]{20,}$/);
    const pods = await api.list<{ spec: { nodeName?: string; hostNetwork?: boolean; containers: { image: string }[] }; status: { phase?: string } }>(
      `/api/v1/namespaces/${NAMESPACE}/pods`,
      { labelSelector: 'app.kubernetes.io/name=slipway-builder' },
    );
    const running = pods.items.filter((p) => p.status.phase === 'Running');
    expect(running).toHaveLength(1);
    expect(testRealNodes()).toContain(running[0]!.spec.nodeName);
    expect(running[0]!.spec.containers[0]!.image).toMatch(/^registry\.slipway\.internal:5000\/slipway-builder:[0-9a-f]{12}/);
    // No Docker socket, no host path: builds run as Jobs in slipway-builds.
    expect(JSON.stringify(running[0]!.spec)).not.toMatch(/docker\.sock|hostPath/);
  });

  it('through Traefik: sign in with the printed token, create an app, clone, push, and the preview answers', { timeout: 600_000 }, async () => {
    // Traefik routes to the new pod once it has read its endpoints (its provider throttle: 2 s by default).
    await eventually(async () => (await builder('/healthz')).status === 200, 30_000, 'the builder to answer through Traefik');
    // Signed out, nothing but /healthz answers.
    expect((await builder('/api/apps')).status).toBe(401);
    const origin = `http://${BUILDER_HOST}`;
    const wrong = await builder('/sign-in', {
      method: 'POST',
      headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'slw_not-the-token-at-all-0000', next: '/' }).toString(),
    });
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const signIn = await builder('/sign-in', {
      method: 'POST',
      headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, next: '/' }).toString(),
    });
    expect(signIn.status).toBe(303);
    const cookie = ([] as string[])
      .concat(signIn.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .join('; ');
    expect(cookie).not.toBe('');
    const home = await builder('/', { headers: { cookie } });
    expect(home.status).toBe(200);

    // Create the app (the new-app form's API), then wait for its first commit to be served.
    const created = await builderApi('POST', '/api/apps', { name: app, template: 'simple-api' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await eventually(async () => (await preview()).status === 200, 400_000, 'the template commit to answer on preview through Traefik');

    // Clone and push through Traefik.
    await gitOk(['clone', '-q', `http://admin:${token}@${BUILDER_HOST}:${traefik.port}/git/${app}.git`, cloneDir], { env: gitEnv });
    const settings = join(cloneDir, 'slipway.yaml');
    writeFileSync(settings, readFileSync(settings, 'utf8').replace(/GREETING: .*/, 'GREETING: "built in the cluster"'));
    await gitOk(['commit', '-qam', 'A greeting from the builder pod'], { cwd: cloneDir, env: gitEnv });
    const pushed = await gitOk(['push', 'origin', 'main'], { cwd: cloneDir, env: gitEnv });
    expect(pushed.stderr).toMatch(/remote: preview is live/);
    const answer = await eventually(
      async () => {
        const r = await preview();
        return r.status === 200 && r.body === JSON.stringify({ message: 'built in the cluster' }) ? r : null;
      },
      30_000,
      'the pushed commit to answer on preview through Traefik',
    );
    expect(answer.status).toBe(200);
    // The app's pod runs on a real node, from the image the builder pushed to the registry.
    const pods = await api.list<{ spec: { nodeName?: string; containers: { image: string }[] } }>(`/api/v1/namespaces/app-${app}/pods`, {
      labelSelector: 'slipway.dev/environment=preview',
    });
    expect(testRealNodes()).toContain(pods.items[0]!.spec.nodeName);
    expect(pods.items[0]!.spec.containers[0]!.image).toMatch(new RegExp(`^registry\\.slipway\\.internal:5000/${app}:`));
    // The push showed BuildKit's own output, from the build Job's pod.
    expect(pushed.stderr).toMatch(/remote: .*slipway-build: pushed registry\.slipway\.internal:5000\//);
  });
});
