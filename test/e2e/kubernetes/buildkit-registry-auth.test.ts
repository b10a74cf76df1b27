// BuildKit build pods and a registry that asks for a user and password (htpasswd, as k8s/bootstrap/30-registry.yaml
// runs the cluster's): Slipway copies its credentials into the build namespace's Secret, the build pod reads them as
// Docker's config.json, pulls its base image and pushes the app's image and cache with them. The registry here is
// this machine's (127.0.0.1:PORT), which the build pods reach as POD_HOST:PORT under a name of its own (a hostAlias);
// the test itself talks only to 127.0.0.1. The nodes cannot pull from it (no mirror for it), so what is checked is
// the build: its log, the image in the registry, and the refusal without credentials.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/app-http.js';
import { freePort } from '../../helpers/free-port.js';
import { startHtpasswdRegistry, type HtpasswdRegistry } from '../../helpers/htpasswd-registry.js';
import { adminApi, testKubeConfigPath, testPodHost, uniqueApp } from '../../helpers/k8s-cluster.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const run = promisify(execFile);
const api = adminApi();
const servers: TestServer[] = [];
const dockerConfig = mkdtempSync(join(tmpdir(), 'slipway-bk-auth-docker-'));
let registry: HtpasswdRegistry;
/** The registry as images name it: a name build pods resolve to POD_HOST (SLIPWAY_KUBE_REGISTRY_IP). */
let registryName: string;
let pythonImage: string;

function required(name: string, what: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: ${what} (scripts/test.sh exports it)`);
  return v;
}

interface Build {
  id: string;
  status: string;
  error?: string | null;
}

async function startServer(credentials: boolean): Promise<TestServer> {
  const port = await freePort();
  const server = await startTestServer({
    SLIPWAY_PORT: String(port),
    SLIPWAY_RUNTIME: 'kubernetes',
    SLIPWAY_BUILDER: 'buildkit',
    SLIPWAY_DOCKER_SOCKET: join(tmpdir(), 'no-docker-here', 'docker.sock'),
    SLIPWAY_DOMAIN: 'bk-auth.test',
    SLIPWAY_REGISTRY: registryName,
    SLIPWAY_REGISTRY_URL: `http://${registry.host}`,
    ...(credentials ? { SLIPWAY_REGISTRY_USER: registry.username, SLIPWAY_REGISTRY_PASSWORD: registry.password } : {}),
    SLIPWAY_KUBE_REGISTRY_IP: testPodHost(),
    SLIPWAY_BUILDKIT_IMAGE: required('SLIPWAY_TEST_BUILDKIT_IMAGE', 'the BuildKit build image in the test registry'),
    SLIPWAY_BUILD_CONTEXT_URL: `http://${testPodHost()}:${port}`,
    SLIPWAY_BUILD_ARGS: `PYTHON_IMAGE=${pythonImage}`,
    SLIPWAY_KUBE_NODE_SELECTOR: 'slipway.dev/pool=real',
  });
  servers.push(server);
  return server;
}

async function settledBuild(server: TestServer, app: string): Promise<Build> {
  return eventually(
    async () => {
      const builds = (await server.api('GET', `/api/apps/${app}/builds`)).body.builds as Build[];
      return builds.find((b) => b.status === 'succeeded' || b.status === 'failed') ?? null;
    },
    420_000,
    `a finished build of ${app}`,
  );
}

beforeAll(async () => {
  process.env.KUBECONFIG = testKubeConfigPath();
  registry = await startHtpasswdRegistry();
  registryName = `registry-auth.slipway.test:${registry.port}`;
  // The template's base image, pushed into the registry with Docker (logged in with a config of the test's own).
  const local = /(?:^|,)PYTHON_IMAGE=([^,]+)/.exec(required('SLIPWAY_BUILD_ARGS', 'the offline base images'))?.[1];
  if (!local) throw new Error('SLIPWAY_BUILD_ARGS names no PYTHON_IMAGE');
  const env = { ...process.env, DOCKER_CONFIG: dockerConfig };
  const login = execFile('docker', ['login', '-u', registry.username, '--password-stdin', registry.host], { env });
  login.stdin!.end(registry.password);
  await new Promise<void>((resolve, reject) => login.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker login exited ${code}`)))));
  await run('docker', ['tag', local, `${registry.host}/slipway-base/python:3.11`]);
  await run('docker', ['push', `${registry.host}/slipway-base/python:3.11`], { env });
  pythonImage = `${registryName}/slipway-base/python:3.11`;
}, 300_000);

afterAll(async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
  await api.delete('/api/v1/namespaces/slipway-builds/secrets/slipway-registry-credentials').catch(() => undefined);
  await run('docker', ['rmi', `${registry.host}/slipway-base/python:3.11`]).catch(() => undefined);
  await registry?.stop();
  rmSync(dockerConfig, { recursive: true, force: true });
}, 120_000);

describe('BuildKit builds and a registry with htpasswd authentication', () => {
  it('with the credentials: the build pod pulls and pushes with them; the registry still refuses anyone else', { timeout: 600_000 }, async () => {
    const server = await startServer(true);
    const app = uniqueApp('bk-auth');
    expect((await server.api('POST', '/api/apps', { name: app, template: 'simple-api' })).status).toBe(201);
    const build = await settledBuild(server, app);
    const log = String((await server.api('GET', `/api/builds/${build.id}/log`)).body);
    expect(build.status, log).toBe('succeeded');
    expect(log).toContain('slipway-build: registry credentials from /slipway/registry/config.json');
    expect(log).toMatch(new RegExp(`slipway-build: pushed ${registryName}/${app}:[0-9a-f]{12}`));

    // The Secret build pods read: Docker's config.json for this registry, written by Slipway.
    const secret = await api.get<{ type: string; data: Record<string, string> }>('/api/v1/namespaces/slipway-builds/secrets/slipway-registry-credentials');
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    const auths = JSON.parse(Buffer.from(secret.data['.dockerconfigjson']!, 'base64').toString()).auths;
    expect(Object.keys(auths)).toEqual([registryName]);

    // The image and the app's build cache are in the registry, for the registry's user only.
    const tag = /pushed \S+:([0-9a-f]{12})/.exec(log)![1]!;
    const manifest = `http://${registry.host}/v2/${app}/manifests/${tag}`;
    const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json';
    expect((await fetch(manifest, { method: 'HEAD', headers: { Accept: accept, Authorization: registry.authorization } })).status).toBe(200);
    expect((await fetch(manifest, { method: 'HEAD', headers: { Accept: accept } })).status).toBe(401);
    const cache = await fetch(`http://${registry.host}/v2/${app}-cache/manifests/buildkit`, {
      method: 'HEAD',
      headers: { Accept: accept, Authorization: registry.authorization },
    });
    expect(cache.status).toBe(200);
    expect((await server.api('DELETE', `/api/apps/${app}`)).status).toBeLessThan(300);
  });

  it('without them: the build fails at once saying which settings to set, and no build Job starts', { timeout: 300_000 }, async () => {
    const server = await startServer(false);
    const app = uniqueApp('bk-noauth');
    expect((await server.api('POST', '/api/apps', { name: app, template: 'simple-api' })).status).toBe(201);
    const build = await settledBuild(server, app);
    expect(build.status).toBe('failed');
    expect(build.error).toContain(`the registry ${registryName} asks for credentials: set SLIPWAY_REGISTRY_USER and SLIPWAY_REGISTRY_PASSWORD`);
    const jobs = await api.list<{ metadata: { name: string } }>('/apis/batch/v1/namespaces/slipway-builds/jobs', { labelSelector: `slipway.dev/app=${app}` });
    expect(jobs.items).toEqual([]);
    expect((await server.api('DELETE', `/api/apps/${app}`)).status).toBeLessThan(300);
  });
});
