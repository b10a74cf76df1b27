// The drill of "git is the truth", on the real Docker runtime: two apps with releases and a generation (the real
// client against the local stand-in for Claude's API), a secret and a custom domain; Slipway stops; slipway.db and
// its WAL/SHM are deleted; Slipway starts on the same data folder. Both apps are back with their template,
// description, environments at the same commits, releases, custom domain and the generation's request; what served
// was adopted (not rebuilt), production answered the same before and after; a new admin token is made as on a
// first start, and the secret is reported missing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { startServer, type RunningServer } from '../../../src/compose.js';
import { createLogger } from '../../../src/shared/log.js';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { createApi, type Api } from '../../helpers/e2e-api.js';
import { removeInstallationFromDocker } from '../../helpers/e2e-docker.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { readSse } from '../../helpers/read-sse.js';

const dataDir = mkdtempSync(join(tmpdir(), 'slipway-rebuild-'));
const site = 'rebuild-site';
const api_ = 'rebuild-api';
let fake: FakeAnthropic;
let running: RunningServer | undefined;
let api: Api;

async function start(): Promise<{ server: RunningServer; token: string }> {
  const config = loadConfig({
    PATH: process.env.PATH,
    SLIPWAY_DATA_DIR: dataDir,
    SLIPWAY_PORT: '0',
    SLIPWAY_LOG_LEVEL: process.env.SLIPWAY_TEST_LOG ?? 'error',
    ANTHROPIC_API_KEY: 'sk-ant-test-0000000000',
    ANTHROPIC_BASE_URL: fake.url,
    SLIPWAY_ANTHROPIC_MAX_RETRIES: '0',
    ...(process.env.SLIPWAY_BUILD_ARGS ? { SLIPWAY_BUILD_ARGS: process.env.SLIPWAY_BUILD_ARGS } : {}),
  });
  const server = await startServer(config, createLogger(config.logLevel));
  if (!server.firstAdminToken) throw new Error('no admin token was made at this start');
  running = server;
  api = createApi(server.url, server.firstAdminToken);
  return { server, token: server.firstAdminToken };
}

const environments = async (app: string) =>
  ((await api('GET', `/api/apps/${app}/environments`)).body.environments as { name: string; status: string; appliedCommit: string; release: string | null }[])
    .map((e) => ({ name: e.name, status: e.status, appliedCommit: e.appliedCommit, release: e.release }))
    .sort((a, b) => a.name.localeCompare(b.name));
const allLive = async (app: string) => (await environments(app)).every((e) => e.status === 'live');
const production = (app: string) => getViaProxy(running!.port, `${app}.localhost`, '/');

beforeAll(async () => {
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  if (running) {
    for (const app of [site, api_]) await running.pipeline.deleteApp(app).catch(() => undefined);
    await running.close();
  }
  await removeInstallationFromDocker(dataDir).catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
  await fake?.close();
});

describe('losing the database', () => {
  it('gives back every app from the repos, and production serves on as before', { timeout: 600_000 }, async () => {
    await start();
    expect((await api('POST', '/api/apps', { name: site, template: 'static-site', description: 'A page about otters' })).status).toBe(201);
    expect((await api('POST', '/api/apps', { name: api_, template: 'simple-api' })).status).toBe(201);
    for (const app of [site, api_]) await eventually(() => environments(app).then((e) => e[0]?.status === 'live'), 180_000, `${app}'s preview`);

    // A generation on the site, then both apps published: a release each.
    fake.push(
      { blocks: [{ type: 'tool_use', name: 'write_file', input: { path: 'public/index.html', content: '<!doctype html><h1>Otters</h1>\n' } }] },
      { blocks: [{ type: 'tool_use', name: 'finish', input: { summary: 'Make the home page about otters' } }] },
    );
    const started = await api('POST', `/api/apps/${site}/generations`, { prompt: 'Make the home page about otters' });
    expect(started.status).toBe(202);
    const events = await readSse(`${running!.url}/api/generations/${started.body.generation.id}/events`, running!.firstAdminToken!, { timeoutMs: 180_000 });
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { status: 'live' } });
    for (const app of [site, api_]) expect((await api('POST', `/api/apps/${app}/publish`, {})).body.deployment.status).toBe('live');
    expect((await api('PUT', `/api/apps/${api_}/secrets/prod/API_KEY`, { value: 'kept-only-in-the-database' })).status).toBe(204);
    expect((await api('POST', `/api/apps/${site}/domains`, { environment: 'prod', domain: 'otters.example.com' })).status).toBe(201);
    for (const app of [site, api_]) await eventually(() => allLive(app), 180_000, `${app} live everywhere`);

    const before = {
      apps: (await api('GET', '/api/apps')).body.apps.map((a: { name: string; template: string; description: string }) => [a.name, a.template, a.description]),
      site: await environments(site),
      api: await environments(api_),
      siteProd: (await production(site)).body,
      apiProd: (await production(api_)).body,
    };
    expect(before.siteProd).toContain('Otters');
    expect(before.site.find((e) => e.name === 'prod')?.release).toBe('v1');
    const buildsBefore = (await api('GET', `/api/apps/${site}/builds`)).body.builds.length;
    expect(buildsBefore).toBeGreaterThan(0);

    await running!.close();
    running = undefined;
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, `slipway.db${suffix}`), { force: true });

    // Started again: a new admin token, as on a first start.
    await start();
    expect(
      (await api('GET', '/api/apps')).body.apps.map((a: { name: string; template: string; description: string }) => [a.name, a.template, a.description]),
    ).toEqual(before.apps);
    for (const app of [site, api_]) await eventually(() => allLive(app), 120_000, `${app} found live again`);
    expect(await environments(site)).toEqual(before.site);
    expect(await environments(api_)).toEqual(before.api);
    // Nothing was built again: what served was found running, with its image.
    expect((await api('GET', `/api/apps/${site}/builds`)).body.builds).toEqual([]);
    expect((await production(site)).body).toBe(before.siteProd);
    expect((await production(api_)).body).toBe(before.apiProd);
    expect((await getViaProxy(running!.port, 'otters.example.com', '/')).body).toBe(before.siteProd);
    // The generation's request is in the app's history again; the secret's value is not, and that is said.
    const generations = (await api('GET', `/api/apps/${site}/generations`)).body.generations as { prompt: string; status: string; commit: string }[];
    expect(generations.map((g) => g.prompt)).toEqual(['Make the home page about otters']);
    expect((await api('GET', `/api/apps/${api_}/secrets/prod`)).body).toEqual({ names: [], missing: ['API_KEY'] });
  });
});
