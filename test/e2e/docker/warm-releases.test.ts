// Instant rollback on the real Docker Engine (environments/prod.yaml: warmReleases 1): the release production ran
// before stays as a paused container, a rollback to it wakes that very container (no new one is created or
// started) and switches traffic; the count stays within the bound; retention and the stale-container sweep leave
// it alone; one that died makes the rollback start a new container as usual; the about page shows its memory.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { waitForPreview } from '../../helpers/e2e-api.js';
import { removeAppFromDocker, servingContainerName, uniqueAppName } from '../../helpers/e2e-docker.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { signInCookie } from '../../helpers/sign-in.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const app = uniqueAppName('warm');
const page = (marker: string) => `<!doctype html><title>${marker}</title><h1>${marker}</h1>\n`;
const docker = new Docker();

let server: TestServer;
let clone: Clone;
let serving: string;
const commits: Record<string, string> = {};

interface ProdContainer {
  id: string;
  name: string;
  state: string;
  commit: string;
  startedAt: string;
}

/** Every production container of the app, as Docker has them (names without the leading "/"). */
async function prodContainers(): Promise<ProdContainer[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`slipway.app=${app}`, 'slipway.environment=prod'] } });
  return Promise.all(
    list.map(async (c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').slice(1),
      state: c.State,
      commit: c.Labels['slipway.commit'] ?? '',
      startedAt: (await docker.getContainer(c.Id).inspect()).State.StartedAt,
    })),
  );
}

const warmOnes = async () => (await prodContainers()).filter((c) => c.name.startsWith(`${serving}_warm-`));
const servingOne = async () => (await prodContainers()).find((c) => c.name === serving);

async function prodShows(marker: string): Promise<void> {
  await eventually(async () => (await getViaProxy(server.port, `${app}.localhost`)).body.includes(marker), 30_000, `production shows ${marker}`);
}

async function move(action: 'publish' | 'rollback', to: string): Promise<Record<string, any>> {
  const r = await server.api('POST', `/api/apps/${app}/${action}`, action === 'publish' ? {} : { to });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body.deployment).toMatchObject({ status: 'live' });
  return r.body;
}

async function deployLog(id: string): Promise<string> {
  const r = await server.api('GET', `/api/deployments/${id}/log`);
  return typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
}

/** Pushes a page to main, waits for preview, and publishes it (the next release tag). */
async function publishPage(n: string): Promise<Record<string, any>> {
  commits[n] = await clone.commit({ 'public/index.html': page(`page ${n}`) }, `Page ${n}`);
  const pushed = await clone.push('origin', 'main');
  expect(pushed.code, pushed.output).toBe(0);
  await waitForPreview(server.port, app, `page ${n}`, 30_000);
  const published = await move('publish', '');
  await prodShows(`page ${n}`);
  return published;
}

beforeAll(async () => {
  server = await startTestServer();
  expect(server.config.environments.find((e) => e.name === 'prod')?.warmReleases).toBe(1);
  serving = servingContainerName(server.dataDir, app, 'prod');
  expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
  clone = await cloneApp(server.gitUrl(app));
}, 180_000);

afterAll(async () => {
  try {
    await server?.stop();
  } finally {
    clone?.remove();
    await removeAppFromDocker(app);
  }
});

describe('warm releases (Docker)', () => {
  it('rolls back to the release just replaced by waking its container: no new container, production serves it', { timeout: 240_000 }, async () => {
    await publishPage('one');
    const first = await servingOne();
    expect(first).toMatchObject({ commit: commits.one, state: 'running' });
    await publishPage('two');

    // v1's container stepped aside warm, and is paused once the grace period (5 s) is over.
    await eventually(async () => (await warmOnes()).some((c) => c.id === first!.id && c.state === 'paused'), 20_000, 'v1 paused as warm');
    const before = await prodContainers();

    const rolledBack = await move('rollback', 'v1');
    expect(rolledBack.commit).toBe(commits.one);
    expect((await getViaProxy(server.port, `${app}.localhost`)).body).toContain('page one');
    const now = await servingOne();
    // The very container that served v1 before: not created, not started again (unpaused only).
    expect(now).toMatchObject({ id: first!.id, state: 'running', startedAt: first!.startedAt });
    expect((await prodContainers()).every((c) => before.some((b) => b.id === c.id))).toBe(true);
    expect(await deployLog(rolledBack.deployment.id)).toMatch(/waking the warm container of/);
    expect(await deployLog(rolledBack.deployment.id)).not.toMatch(/starting .* as /);
  });

  it('keeps at most warmReleases warm containers, and the sweep and retention leave them alone', { timeout: 240_000 }, async () => {
    // Production serves v1 (rolled back); v2 is warm. Publishing three makes v1's container the warm one.
    const v1 = await servingOne();
    await publishPage('three');
    await eventually(async () => (await warmOnes()).length === 1 && (await warmOnes())[0]!.state === 'paused', 20_000, 'one paused warm container');
    expect((await warmOnes())[0]).toMatchObject({ id: v1!.id, commit: commits.one });

    await server.deps.runtime.removeStale(() => false);
    await server.pipeline.retention.run(app);
    expect((await warmOnes()).map((c) => c.id)).toEqual([v1!.id]);

    // The about page shows what it holds.
    const cookie = await signInCookie(server.url, server.url, server.token);
    const about = await (await fetch(`${server.url}/about`, { headers: { cookie } })).text();
    expect(about).toMatch(/data-warm-total>1 warm container, holding [\d.]+ (KiB|MiB) of memory/);
    expect(about).toContain(commits.one!.slice(0, 12));
  });

  it('starts a new container when the warm one died, and production serves the release all the same', { timeout: 240_000 }, async () => {
    const [warm] = await warmOnes();
    expect(warm).toBeDefined();
    await docker.getContainer(warm!.id).unpause();
    await docker.getContainer(warm!.id).stop({ t: 1 });
    const serving3 = await servingOne();

    const rolledBack = await move('rollback', 'v1');
    await prodShows('page one');
    const now = await servingOne();
    expect(now?.id).not.toBe(warm!.id);
    expect(now?.commit).toBe(commits.one);
    expect(await deployLog(rolledBack.deployment.id)).toMatch(/the warm container of \w+ is exited: starting a new one/);
    // The dead one is gone; what served before (three) is the warm one now.
    const warmNow = await warmOnes();
    expect(warmNow.map((c) => c.id)).toEqual([serving3!.id]);
  });
});
