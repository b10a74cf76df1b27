// Builds past one machine: SLIPWAY_BUILDER=buildkit on the test cluster's two real nodes, with no Docker Engine that
// Slipway could reach (its Docker setting points at a socket that does not exist). Each build is a Job running
// BuildKit (scripts/buildkit-image.sh) that fetches the commit from Slipway — on 127.0.0.1 here, which build pods
// reach through the test cluster's host address (POD_HOST) — and pushes to the registry every node pulls from
// (registry.slipway.internal:5000). Apps run two replicas spread over the nodes, so the node that did not build an
// image runs it too; draining a node keeps the app answering. The test talks only to 127.0.0.1: Slipway, Traefik,
// the apiserver and the registry.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { freePort } from '../../helpers/free-port.js';
import { adminApi, kubectlPath, PROJECT_ROOT, testKubeConfigPath, testTraefik, uniqueApp } from '../../helpers/k8s-cluster.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const run = promisify(execFile);
const DOMAIN = 'buildkit.test';
const REGISTRY = 'registry.slipway.internal:5000';
const api = adminApi();
const traefik = testTraefik();
const environmentsDir = mkdtempSync(join(tmpdir(), 'slipway-bk-envs-'));
const servers: TestServer[] = [];
const clones: Clone[] = [];

function required(name: string, what: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: ${what} (scripts/test.sh exports it)`);
  return v;
}

const viaTraefik = (app: string, env: 'preview' | 'prod', path = '/') =>
  getViaProxy(traefik.port, env === 'preview' ? `${app}-preview.${DOMAIN}` : `${app}.${DOMAIN}`, path);
const answers = (app: string, env: 'preview' | 'prod', message: string) =>
  eventually(
    async () => {
      const r = await viaTraefik(app, env);
      return r.status === 200 && r.body === JSON.stringify({ message }) ? r : null;
    },
    30_000,
    `${env} of ${app} to answer ${message}`,
  );
const kubectl = async (...args: string[]) => (await run(kubectlPath(), ['--kubeconfig', testKubeConfigPath(), ...args], { timeout: 180_000 })).stdout;
const setGreeting = (text: string, greeting: string) => text.replace(/GREETING: .*/, `GREETING: "${greeting}"`);

interface Pod {
  metadata: { name: string; deletionTimestamp?: string; ownerReferences?: { kind: string }[] };
  spec: { nodeName?: string; containers: { image: string }[] };
  status?: { containerStatuses?: { ready?: boolean; imageID?: string }[] };
}
const readyPods = async (app: string, env: string) =>
  (await api.list<Pod>(`/api/v1/namespaces/app-${app}/pods`, { labelSelector: `slipway.dev/environment=${env}` })).items.filter(
    (p) => !p.metadata.deletionTimestamp && p.status?.containerStatuses?.[0]?.ready,
  );

/** Slipway with BuildKit builds pinned to one node (so the test knows which node built what). */
async function startBuildkitServer(buildNode: string): Promise<TestServer> {
  const port = await freePort();
  const podRegistry = required('SLIPWAY_TEST_POD_REGISTRY', 'the registry Service as pods reach it');
  const server = await startTestServer({
    SLIPWAY_PORT: String(port),
    SLIPWAY_RUNTIME: 'kubernetes',
    SLIPWAY_BUILDER: 'buildkit',
    // No Docker Engine: nothing here may need one.
    SLIPWAY_DOCKER_SOCKET: join(tmpdir(), 'no-docker-here', 'docker.sock'),
    SLIPWAY_DOMAIN: DOMAIN,
    SLIPWAY_REGISTRY: REGISTRY,
    SLIPWAY_REGISTRY_URL: 'http://127.0.0.1:5050',
    SLIPWAY_KUBE_REGISTRY_IP: podRegistry.split(':')[0]!,
    SLIPWAY_BUILDKIT_IMAGE: required('SLIPWAY_TEST_BUILDKIT_IMAGE', 'the BuildKit build image in the test registry'),
    SLIPWAY_BUILD_CONTEXT_URL: `http://${required('SLIPWAY_TEST_POD_HOST', 'the host as the nodes’ pods reach it')}:${port}`,
    SLIPWAY_BUILD_ARGS: required('SLIPWAY_TEST_REGISTRY_BUILD_ARGS', 'the offline base images, in the registry'),
    SLIPWAY_KUBE_NODE_SELECTOR: 'slipway.dev/pool=real',
    SLIPWAY_BUILD_NODE_SELECTOR: `kubernetes.io/hostname=${buildNode}`,
    SLIPWAY_ENVIRONMENTS_DIR: environmentsDir,
  });
  servers.push(server);
  return server;
}

const environment = async (server: TestServer, app: string, name: string) =>
  (await server.api('GET', `/api/apps/${app}/environments`)).body.environments.find((e: { name: string }) => e.name === name);

/** Creates an app from simple-api and waits for its first preview, built in a Job; returns the build's log. */
async function firstPreview(server: TestServer, app: string): Promise<string> {
  expect((await server.api('POST', '/api/apps', { name: app, template: 'simple-api' })).status).toBe(201);
  await eventually(async () => (await environment(server, app, 'preview'))?.status === 'live', 420_000, `the first preview of ${app}`);
  const builds = (await server.api('GET', `/api/apps/${app}/builds`)).body.builds as { id: string; status: string }[];
  const built = builds.find((b) => b.status === 'succeeded')!;
  const log = await server.api('GET', `/api/builds/${built.id}/log`);
  return typeof log.body === 'string' ? log.body : JSON.stringify(log.body);
}

/** The seconds of the build log's own `built … in Xs` line (printed for the closing note: cold and warm figures). */
const builtIn = (log: string) => Number(/built \S+ in ([\d.]+)s on (\S+)/.exec(log)?.[1] ?? NaN);

beforeAll(() => {
  // Two replicas in each environment, small enough that both roll within the app quota (one extra pod each).
  cpSync(join(PROJECT_ROOT, 'environments'), environmentsDir, { recursive: true });
  for (const f of readdirSync(environmentsDir)) {
    const file = join(environmentsDir, f);
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace(/replicas: \d+/, 'replicas: 2')
        .replace(/cpu: "250m"/, 'cpu: "100m"')
        .replace(/memory: "128Mi"/, 'memory: "64Mi"'),
    );
  }
  process.env.KUBECONFIG = testKubeConfigPath();
});

afterAll(async () => {
  for (const c of clones) c.remove();
  for (const s of servers) await s.stop().catch(() => undefined);
  await kubectl('uncordon', 'real-node-1').catch(() => undefined);
  rmSync(environmentsDir, { recursive: true, force: true });
}, 300_000);

describe('BuildKit builds in Kubernetes Jobs, on two real nodes, with no Docker Engine', () => {
  const app = uniqueApp('bk-api');

  it(
    'a push builds in a Job on one node; both nodes run the image; the push shows the build log; publish and rollback work',
    { timeout: 900_000 },
    async () => {
      const server = await startBuildkitServer('real-node-1');
      const coldLog = await firstPreview(server, app);
      expect(coldLog).toMatch(
        new RegExp(`building ${REGISTRY}/${app}:[0-9a-f]{12} from commit [0-9a-f]{40} with BuildKit \\(job slipway-builds/build-${app}-`),
      );
      expect(coldLog).toMatch(/on real-node-1/);
      await answers(app, 'preview', 'Hello from Slipway');

      // One replica on each node, both from the registry: real-node-0 pulled what real-node-1 built.
      const pods = await eventually(
        async () => {
          const p = await readyPods(app, 'preview');
          return p.length === 2 ? p : null;
        },
        60_000,
        'two ready preview pods',
      );
      expect(new Set(pods.map((p) => p.spec.nodeName))).toEqual(new Set(['real-node-0', 'real-node-1']));
      for (const p of pods) {
        expect(p.spec.containers[0]!.image).toMatch(new RegExp(`^${REGISTRY}/${app}:[0-9a-f]{12}$`));
        expect(p.status?.containerStatuses?.[0]?.imageID).toMatch(new RegExp(`^${REGISTRY}/${app}@sha256:[0-9a-f]{64}$`));
      }

      // A change, pushed: BuildKit's own output reaches the pusher, and the preview answers it. Warm: the app's
      // layers come from the registry cache.
      const clone = await cloneApp(server.gitUrl(app));
      clones.push(clone);
      const yaml = readFileSync(join(clone.dir, 'slipway.yaml'), 'utf8');
      const v1 = await clone.commit({ 'slipway.yaml': setGreeting(yaml, 'built by buildkit') }, 'Version one');
      const pushed = await clone.push('origin', 'main');
      expect(pushed.output).toMatch(/remote: .*#\d+ /);
      expect(pushed.output).toMatch(new RegExp(`remote: .*slipway-build: pushed ${REGISTRY}/${app}:${v1.slice(0, 12)}`));
      expect(pushed.output).toMatch(/remote: preview is live/);
      await answers(app, 'preview', 'built by buildkit');
      const builds = (await server.api('GET', `/api/apps/${app}/builds`)).body.builds as { id: string; commit: string }[];
      const warmLog = (await server.api('GET', `/api/builds/${builds.find((b) => b.commit === v1)!.id}/log`)).body;
      console.log(`BuildKit build of ${app}: cold ${builtIn(coldLog)} s, warm ${builtIn(String(warmLog))} s`);

      // Publish (a release tag), then a second version, then roll back by moving prod to v1.
      expect((await clone.push('origin', 'HEAD:refs/tags/v1')).output).toMatch(/remote: production is live/);
      await answers(app, 'prod', 'built by buildkit');
      await clone.commit({ 'slipway.yaml': setGreeting(yaml, 'version two') }, 'Version two');
      expect((await clone.push('origin', 'main')).output).toMatch(/remote: preview is live/);
      const published = await server.api('POST', `/api/apps/${app}/publish`, {});
      expect(published.status, JSON.stringify(published.body)).toBe(200);
      await answers(app, 'prod', 'version two');
      expect((await clone.push('-f', 'origin', `${v1}:refs/heads/prod`)).output).toMatch(/remote: production is live/);
      await answers(app, 'prod', 'built by buildkit');
    },
  );

  it('a broken Dockerfile fails its build with BuildKit’s reason, and what serves keeps serving', { timeout: 300_000 }, async () => {
    const [server] = servers;
    const [clone] = clones;
    const broken = await clone!.commit({ Dockerfile: 'FROM scratch\nRUN exit 3\n' }, 'Break the Dockerfile');
    const pushed = await clone!.push('origin', 'main');
    expect(pushed.output).toContain(`remote: preview deploy of ${broken.slice(0, 12)} FAILED`);
    expect(pushed.output).toMatch(/slipway-build: failed/);
    expect((await environment(server!, app, 'preview')).status).not.toBe('live');
    expect((await viaTraefik(app, 'preview')).status).toBe(200);
  });

  it('draining a node keeps the app answering through Traefik', { timeout: 300_000 }, async () => {
    let done = false;
    const statuses: number[] = [];
    const load = (async () => {
      while (!done) {
        statuses.push((await viaTraefik(app, 'prod').catch(() => ({ status: 0 }))).status);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    // Only this app's pods are evicted (other test files may have pods on the node); the node is cordoned all the same.
    try {
      await kubectl('drain', 'real-node-1', '--pod-selector', `slipway.dev/app=${app}`, '--delete-emptydir-data', '--timeout=150s');
      await eventually(async () => (await readyPods(app, 'prod')).length === 2 || null, 90_000, 'prod back to two ready pods');
      expect((await readyPods(app, 'prod')).every((p) => p.spec.nodeName === 'real-node-0')).toBe(true);
    } finally {
      await new Promise((r) => setTimeout(r, 3000));
      done = true;
      await load;
      await kubectl('uncordon', 'real-node-1');
    }
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });
});

describe('a build on the other node', () => {
  it('an image built on real-node-0 runs on real-node-1 as well', { timeout: 600_000 }, async () => {
    const app = uniqueApp('bk-other');
    const server = await startBuildkitServer('real-node-0');
    const log = await firstPreview(server, app);
    expect(log).toMatch(/on real-node-0/);
    console.log(`BuildKit build of ${app} on real-node-0: ${builtIn(log)} s (base image layers cached in the registry by the first app)`);
    const pods = await eventually(
      async () => {
        const p = await readyPods(app, 'preview');
        return p.length === 2 ? p : null;
      },
      90_000,
      'two ready preview pods',
    );
    expect(new Set(pods.map((p) => p.spec.nodeName))).toEqual(new Set(['real-node-0', 'real-node-1']));
    await answers(app, 'preview', 'Hello from Slipway');
  });
});
