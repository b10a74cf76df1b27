// Slipway on a real Kubernetes node (scripts/k8s-test-cluster.sh: kubelet, containerd, CNI, Traefik and the
// NetworkPolicy controller on this machine): pushes build images that go to the registry, containerd pulls them,
// the kubelet's probes decide readiness, and Traefik on 127.0.0.1 routes the requests. The test talks only to
// 127.0.0.1 (Slipway, Traefik, the apiserver); what must cross pod addresses runs inside a pod (kubectl exec).
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodState } from '../../../src/runtime/kubernetes/pod-state.js';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { readSse } from '../../helpers/read-sse.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { adminApi, kubectlPath, PROJECT_ROOT, testKubeConfigPath, testRealNodes, testTraefik, uniqueApp } from '../../helpers/k8s-cluster.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const run = promisify(execFile);
const DOMAIN = 'real-node.test';
const NODE_LABEL = 'slipway.dev/pool=real';
const api = adminApi();
const traefik = testTraefik();
const environmentsDir = mkdtempSync(join(tmpdir(), 'slipway-real-envs-'));
const apiApp = uniqueApp('rn-api');
const siteApp = uniqueApp('rn-site');
const jobApp = uniqueApp('rn-job');

let server: TestServer;
let apiClone: Clone;

/** GET through Traefik with the Host header of an app's environment. */
const viaTraefik = (app: string, env: 'preview' | 'prod', path = '/') =>
  getViaProxy(traefik.port, env === 'preview' ? `${app}-preview.${DOMAIN}` : `${app}.${DOMAIN}`, path);

/**
 * What Traefik answers once it has caught up: it applies Ingress and EndpointSlice changes after its provider
 * throttle (2 s by default), so right after Slipway says "live" it may still route as before.
 */
const answers = (app: string, env: 'preview' | 'prod', body: (text: string) => boolean, what: string) =>
  eventually(
    async () => {
      const r = await viaTraefik(app, env);
      return r.status === 200 && body(r.body) ? r : null;
    },
    20_000,
    what,
  );
const json = (message: string) => (text: string) => text === JSON.stringify({ message });

const environment = async (app: string, name: string) =>
  (await server.api('GET', `/api/apps/${app}/environments`)).body.environments.find((e: { name: string }) => e.name === name);

const podsOf = async (app: string, env: string) =>
  (
    await api.list<PodState & { spec: { nodeName?: string; containers: { image: string }[] }; status: { podIP?: string } }>(
      `/api/v1/namespaces/app-${app}/pods`,
      {
        labelSelector: `slipway.dev/environment=${env}`,
      },
    )
  ).items.filter((p) => !p.metadata.deletionTimestamp && p.metadata.ownerReferences?.some((o) => o.kind === 'ReplicaSet'));

const kubectl = async (...args: string[]) => (await run(kubectlPath(), ['--kubeconfig', testKubeConfigPath(), ...args], { timeout: 60_000 })).stdout;

/** Requests through Traefik, one after another, until `during` settles (and three seconds more: Traefik's throttle): every status seen. */
async function requestsDuring(app: string, env: 'preview' | 'prod', during: Promise<unknown>): Promise<{ statuses: number[]; bodies: Set<string> }> {
  let done = false;
  const statuses: number[] = [];
  const bodies = new Set<string>();
  const finished = during.finally(() => setTimeout(() => (done = true), 3000));
  while (!done) {
    const r = await viaTraefik(app, env).catch((e: Error) => ({ status: 0, body: e.message }));
    statuses.push(r.status);
    bodies.add(r.body);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await finished;
  return { statuses, bodies };
}

const setGreeting = (text: string, greeting: string) => text.replace(/GREETING: .*/, `GREETING: "${greeting}"`);

beforeAll(async () => {
  // The shipped environments, with a short health check (20 × 0.25 s) so that a never-healthy commit fails soon.
  cpSync(join(PROJECT_ROOT, 'environments'), environmentsDir, { recursive: true });
  for (const f of readdirSync(environmentsDir)) {
    const file = join(environmentsDir, f);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/attempts: \d+/, 'attempts: 20'));
  }
  process.env.KUBECONFIG = testKubeConfigPath();
  server = await startTestServer({
    SLIPWAY_RUNTIME: 'kubernetes',
    // Built by this machine's Docker Engine and pushed to the test registry (two-nodes.test.ts builds with BuildKit).
    SLIPWAY_BUILDER: 'docker',
    SLIPWAY_DOMAIN: DOMAIN,
    SLIPWAY_REGISTRY: 'localhost:5050',
    SLIPWAY_KUBE_NODE_SELECTOR: NODE_LABEL,
    SLIPWAY_ENVIRONMENTS_DIR: environmentsDir,
  });
}, 120_000);

afterAll(async () => {
  apiClone?.remove();
  await server?.stop();
  rmSync(environmentsDir, { recursive: true, force: true });
}, 300_000);

describe('apps on a real node', () => {
  it(
    'a simple-api app: built, pulled from the registry, ready by the kubelet, routed by Traefik; publish and rollback drop no request',
    { timeout: 600_000 },
    async () => {
      expect((await server.api('POST', '/api/apps', { name: apiApp, template: 'simple-api' })).status).toBe(201);
      await eventually(async () => (await environment(apiApp, 'preview'))?.status === 'live', 300_000, 'the first preview');
      await answers(apiApp, 'preview', json('Hello from Slipway'), 'the first preview through Traefik');

      // The pod runs on a real node, from the registry's image, which containerd pulled (imageID has its digest).
      const [pod] = await podsOf(apiApp, 'preview');
      expect(testRealNodes()).toContain(pod?.spec.nodeName);
      expect(pod?.spec.containers[0]?.image).toMatch(new RegExp(`^localhost:5050/${apiApp}:[0-9a-f]{12}$`));
      expect(pod?.status?.containerStatuses?.[0]).toMatchObject({ ready: true, imageID: expect.stringMatching(/^localhost:5050\/.*@sha256:[0-9a-f]{64}$/) });

      // A push goes live on preview; a release tag publishes it.
      apiClone = await cloneApp(server.gitUrl(apiApp));
      const yaml = readFileSync(join(apiClone.dir, 'slipway.yaml'), 'utf8');
      const v1 = await apiClone.commit({ 'slipway.yaml': setGreeting(yaml, 'version one') }, 'Version one');
      const pushed = await apiClone.push('origin', 'main');
      expect(pushed.output).toMatch(new RegExp(`remote: preview is live: http://${apiApp}-preview\\.${DOMAIN.replace('.', '\\.')}`));
      await answers(apiApp, 'preview', json('version one'), 'version one on preview');
      expect((await apiClone.push('origin', 'HEAD:refs/tags/v1')).output).toMatch(/remote: production is live/);
      await answers(apiApp, 'prod', json('version one'), 'version one in production');

      // Version two on preview, then published by the API while requests keep coming through Traefik.
      await apiClone.commit({ 'slipway.yaml': setGreeting(yaml, 'version two') }, 'Version two');
      expect((await apiClone.push('origin', 'main')).output).toMatch(/remote: preview is live/);
      const publish = server.api('POST', `/api/apps/${apiApp}/publish`, {});
      const during = await requestsDuring(apiApp, 'prod', publish);
      expect((await publish).body).toMatchObject({ tag: 'v2', deployment: { status: 'live' } });
      expect(during.statuses.filter((s) => s < 200 || s > 299)).toEqual([]);
      expect(during.bodies).toContain(JSON.stringify({ message: 'version two' }));
      await answers(apiApp, 'prod', json('version two'), 'version two in production');

      // Rollback by pushing v1 to prod: v1 answers again, and no request failed meanwhile.
      const rollback = apiClone.push('-f', 'origin', `${v1}:refs/heads/prod`);
      const back = await requestsDuring(apiApp, 'prod', rollback);
      expect((await rollback).output).toMatch(/remote: production is live/);
      expect(back.statuses.filter((s) => s < 200 || s > 299)).toEqual([]);
      await answers(apiApp, 'prod', json('version one'), 'version one in production');
    },
  );

  it('a static-site app: preview and production answer through Traefik', { timeout: 600_000 }, async () => {
    expect((await server.api('POST', '/api/apps', { name: siteApp, template: 'static-site' })).status).toBe(201);
    await eventually(async () => (await environment(siteApp, 'preview'))?.status === 'live', 300_000, 'the first preview');
    const page = await answers(siteApp, 'preview', (text) => /<html/i.test(text), 'the site on preview');
    const published = await server.api('POST', `/api/apps/${siteApp}/publish`, {});
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    await answers(siteApp, 'prod', (text) => text === page.body, 'the site in production');
  });
});

describe('failure on a real node', () => {
  it(
    'a commit whose health check answers 500 never becomes ready, is failed with the reason, and the previous version answers',
    { timeout: 300_000 },
    async () => {
      const before = (await environment(apiApp, 'preview')).appliedCommit as string;
      const main = readFileSync(join(apiClone.dir, 'main.py'), 'utf8');
      const broken = await apiClone.commit(
        {
          'main.py': main.replace(
            'def health() -> dict:\n    return {"status": "ok"}',
            'def health():\n    raise RuntimeError("health check broken on purpose")',
          ),
        },
        'Break the health check',
      );
      const pushed = await apiClone.push('origin', 'main');
      expect(pushed.output).toContain(`remote: preview deploy of ${broken.slice(0, 12)} FAILED`);
      const preview = await environment(apiApp, 'preview');
      expect(preview).toMatchObject({ status: 'failed', commit: broken, appliedCommit: before });
      expect(preview.lastDeployment.reason).toMatch(/not ready|Readiness probe failed|Startup probe failed|HTTP probe failed with statuscode: 500/);
      const still = await viaTraefik(apiApp, 'preview');
      expect(still.status).toBe(200);
      expect(JSON.parse(still.body)).toEqual({ message: 'version two' });
      // Mend it, so the next test starts from a healthy preview.
      await apiClone.commit({ 'main.py': main }, 'Mend the health check');
      expect((await apiClone.push('origin', 'main')).output).toMatch(/remote: preview is live/);
    },
  );

  it('a container that exits is restarted by the kubelet, and the environment says so', { timeout: 180_000 }, async () => {
    const [pod] = await podsOf(apiApp, 'preview');
    expect(pod).toBeDefined();
    expect((await environment(apiApp, 'preview')).health).toEqual({ restarts: 0, problem: null });
    // The app's process ends (uvicorn exits on SIGTERM) as a crash would end it.
    await kubectl('exec', '-n', `app-${apiApp}`, pod!.metadata.name, '-c', 'app', '--', 'sh', '-c', 'kill 1');
    const health = await eventually(
      async () => {
        const h = (await environment(apiApp, 'preview')).health;
        return h?.restarts > 0 ? h : null;
      },
      60_000,
      'the restart to show',
    );
    expect(health.restarts).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await viaTraefik(apiApp, 'preview')).status === 200, 60_000, 'preview to answer again');
  });
});

describe('scheduled jobs on a real node', () => {
  it('run as real CronJob pods; a run started now reports its exit code and log', { timeout: 400_000 }, async () => {
    expect((await server.api('POST', '/api/apps', { name: jobApp, template: 'scheduled-job' })).status).toBe(201);
    await eventually(async () => (await environment(jobApp, 'preview'))?.status === 'live', 300_000, 'the job environment');
    const cronJob = await api.get<{ spec: { schedule: string; jobTemplate: { spec: { template: { spec: { nodeSelector: Record<string, string> } } } } } }>(
      `/apis/batch/v1/namespaces/app-${jobApp}/cronjobs/preview`,
    );
    expect(cronJob.spec.schedule).toBe('*/5 * * * *');
    expect(cronJob.spec.jobTemplate.spec.template.spec.nodeSelector).toEqual({ 'slipway.dev/pool': 'real' });
    const started = await server.api('POST', `/api/apps/${jobApp}/jobs/run`, { environment: 'preview' });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id = started.body.run.id as string;
    const runRecord = await eventually(
      async () =>
        (await server.api('GET', `/api/apps/${jobApp}/job-runs`)).body.runs.find((r: { id: string; status: string }) => r.id === id && r.status !== 'running'),
      180_000,
      'the run to end',
    );
    expect(runRecord).toMatchObject({ status: 'succeeded', exitCode: 0 });
    const log = await (await fetch(`${server.url}/api/job-runs/${id}/log`, { headers: { authorization: `Bearer ${server.token}` } })).text();
    expect(log).toMatch(/Hello from Slipway: \d+ days left in \d{4}/);
  });
});

describe('isolation on a real node', () => {
  it('a pod of one app cannot reach another app’s pod, but reaches its own app’s other pod', { timeout: 120_000 }, async () => {
    const [client] = await podsOf(apiApp, 'preview');
    const [sameApp] = await podsOf(apiApp, 'prod');
    const [otherApp] = await podsOf(siteApp, 'preview');
    expect(client && sameApp?.status?.podIP && otherApp?.status?.podIP).toBeTruthy();
    const probe = (ip: string) =>
      kubectl(
        'exec',
        '-n',
        `app-${apiApp}`,
        client!.metadata.name,
        '-c',
        'app',
        '--',
        'python',
        '-c',
        `import urllib.request\ntry:\n  print(urllib.request.urlopen('http://${ip}:8080/', timeout=3).status)\nexcept Exception as e:\n  print('refused', type(e).__name__)`,
      );
    expect((await probe(sameApp!.status!.podIP!)).trim()).toBe('200');
    expect((await probe(otherApp!.status!.podIP!)).trim()).toMatch(/^refused /);
  });

  it('runtime logs come from the real container', { timeout: 60_000 }, async () => {
    await viaTraefik(apiApp, 'preview', '/hello/logs-check');
    // The runtime log page's stream, as a signed-in browser reads it.
    const signIn = await fetch(`${server.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: new URL(server.config.publicUrl).origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: server.token, next: '/' }).toString(),
    });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const lines = await eventually(
      async () => {
        // Recent lines first, then live ones: a few seconds of the stream are enough.
        const events = await readSse(`${server.url}/apps/${apiApp}/logs/preview/stream`, server.token, { timeoutMs: 3000, cookie }).catch(() => []);
        const text = events.map((e) => (typeof e.data === 'string' ? e.data : JSON.stringify(e.data))).join('\n');
        return text.includes('/hello/logs-check') ? text : null;
      },
      30_000,
      'the access log line',
    );
    expect(lines).toMatch(/GET \/hello\/logs-check HTTP\/1\.1\\?" 200/);
  });
});
