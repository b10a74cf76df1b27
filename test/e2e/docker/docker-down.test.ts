// "Stop the Docker daemon": a push while Docker is down fails its build with "Docker is not reachable at …",
// needing no person; the API, git and the apps already running keep working; once Docker is back the reconciler's
// timer builds and deploys the commit.
//
// Docker is stopped by taking away the socket Slipway knows it by (SLIPWAY_DOCKER_SOCKET → a forwarder to the
// shared engine): Slipway only ever sees Docker through that socket, and a stopping dockerd looks just like this to
// a client — open connections cut, then no socket (ENOENT) until it listens again. A private dockerd
// (test/integration/build/docker-stops-mid-build.test.ts) cannot stand in here: it has to run in its own network
// namespace, where the ports it publishes on 127.0.0.1 cannot be reached by the proxy to serve the preview.
// What a stand-in cannot show is the containers themselves stopping with the engine; the in-memory routes and
// their refresh on an upstream error cover that, and are tested without stopping anyone's engine.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getViaProxy } from '../../helpers/app-http.js';
import { waitForPreview } from '../../helpers/e2e-api.js';
import { createDockerForwarder } from '../../helpers/e2e-docker-forwarder.js';
import { removeAppFromDocker, removeInstallationFromDocker, uniqueAppName } from '../../helpers/e2e-docker.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const app = uniqueAppName('dockdown');
const other = uniqueAppName('dockdown-new');
// Short: a unix socket path must stay under 108 bytes.
const dir = mkdtempSync(join(tmpdir(), 'slw-fwd-'));
const docker = createDockerForwarder(join(dir, 'docker.sock'));
// Fixed, so that the second server (same data folder) takes the same token.
const settings = { SLIPWAY_DOCKER_SOCKET: docker.socketPath, SLIPWAY_RECONCILE_INTERVAL_MS: '500', SLIPWAY_ADMIN_TOKEN: randomBytes(24).toString('hex') };
const page = (marker: string) => `<!doctype html><title>${marker}</title><h1>${marker}</h1>\n`;

let server: TestServer;
let clone: Clone;
/** The data folder of the first server, kept when the second one starts on it. */
let firstDataDir: string | undefined;

beforeAll(async () => {
  await docker.start();
  server = await startTestServer(settings);
  expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
  clone = await cloneApp(server.gitUrl(app));
  await waitForPreview(server.port, app, 'Hello from Slipway', 60_000);
}, 90_000);

afterAll(async () => {
  try {
    await docker.start(); // so that the server can remove the app's containers
    await server?.stop();
  } finally {
    await docker.stop();
    if (firstDataDir) await removeInstallationFromDocker(firstDataDir).catch(() => undefined);
    if (firstDataDir) rmSync(firstDataDir, { recursive: true, force: true });
    clone?.remove();
    rmSync(dir, { recursive: true, force: true });
    await removeAppFromDocker(app);
    await removeAppFromDocker(other);
  }
});

describe('when Docker stops', () => {
  it('fails builds with a clear reason, keeps everything else up, and builds once Docker is back', { timeout: 120_000 }, async () => {
    await docker.stop();
    const commit = await clone.commit({ 'public/index.html': page('pushed while Docker was down') }, 'Pushed while Docker was down');
    const pushed = await clone.push('origin', 'main');
    expect(pushed.code, pushed.output).toBe(0);
    expect(pushed.output).toContain(
      `remote: preview deploy of ${commit.slice(0, 12)} FAILED: the build failed: Docker is not reachable at unix://${docker.socketPath}: `,
    );
    expect(pushed.output).toContain('remote:   nothing in the commit needs fixing: Slipway tries again by itself');

    const builds = (await server.api('GET', `/api/apps/${app}/builds`)).body.builds.filter((b: { commit: string }) => b.commit === commit);
    expect(builds).toHaveLength(1);
    expect(builds[0]).toMatchObject({ status: 'failed', needsPerson: 0 });
    expect(builds[0].error).toMatch(new RegExp(`^Docker is not reachable at unix://${docker.socketPath}: the socket does not exist`));

    // Everything that does not need Docker keeps working: the API, git, and the app already running.
    expect((await server.api('GET', '/api/apps')).status).toBe(200);
    expect((await server.api('GET', `/api/apps/${app}/environments`)).status).toBe(200);
    const second = await cloneApp(server.gitUrl(app));
    expect(await second.head()).toBe(commit);
    second.remove();
    const preview = await getViaProxy(server.port, `${app}-preview.localhost`);
    expect(preview.status).toBe(200);
    expect(preview.body).toContain('Hello from Slipway');

    // An app can be created meanwhile (its repo needs no Docker); it goes live once Docker is back.
    expect((await server.api('POST', '/api/apps', { name: other, template: 'static-site' })).status).toBe(201);

    // The timer keeps trying without piling up records while Docker is away.
    await sleep(2000);
    expect((await server.api('GET', `/api/apps/${app}/builds`)).body.builds.filter((b: { commit: string }) => b.commit === commit)).toHaveLength(1);

    await docker.start();
    await waitForPreview(server.port, app, 'pushed while Docker was down', 60_000);
    await waitForPreview(server.port, other, 'Hello from Slipway', 60_000);
    const after = (await server.api('GET', `/api/apps/${app}/builds`)).body.builds.filter((b: { commit: string }) => b.commit === commit);
    expect(after.map((b: { status: string }) => b.status)).toEqual(['succeeded', 'failed']);
    const envs = (await server.api('GET', `/api/apps/${app}/environments`)).body.environments;
    expect(envs.find((e: { name: string }) => e.name === 'preview')).toMatchObject({ commit, appliedCommit: commit, status: 'live' });
  });

  it('starts while Docker is down, and serves the apps once it is back', { timeout: 90_000 }, async () => {
    // A machine that boots Slipway before Docker: the same data folder, a new server, no Docker yet.
    firstDataDir = server.config.dataDir;
    await server.close();
    await docker.stop();
    server = await startTestServer({ ...settings, SLIPWAY_DATA_DIR: firstDataDir });
    const apps = (await server.api('GET', '/api/apps')).body.apps.map((a: { name: string }) => a.name);
    expect(apps).toEqual(expect.arrayContaining([app, other]));
    const second = await cloneApp(server.gitUrl(app));
    second.remove();

    await docker.start();
    await waitForPreview(server.port, app, 'pushed while Docker was down', 30_000);
    await waitForPreview(server.port, other, 'Hello from Slipway', 30_000);
  });
});
