// The backup drill, on the real Docker Engine: while a loop pushes to an app, an operator takes a backup through the
// API, downloads it, restores it with `slipway restore --new-identity` into a new data folder and starts a second
// server on it (another port, another installation, the same Docker). Every app, release, secret (its value still
// decrypts: production answers with it), token and generation is there, each environment converges on the restored
// server while the first one keeps serving, and of the pushes, those that had landed when the backup began are in it
// and none is half-written.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { createApi, type Api } from '../../helpers/e2e-api.js';
import { removeAppFromDocker, removeInstallationFromDocker, uniqueAppName } from '../../helpers/e2e-docker.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { freePort } from '../../helpers/free-port.js';
import { git, gitOk } from '../../helpers/git-cli.js';
import { readSse } from '../../helpers/read-sse.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const execFileAsync = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const site = uniqueAppName('drill-site');
const api = uniqueAppName('drill-api');
const secret = `from a secret ${randomBytes(6).toString('hex')}`;
const scratch = mkdtempSync(join(tmpdir(), 'slipway-drill-'));
const restoredDir = join(scratch, 'restored-data');
const page = (text: string) => `<!doctype html><title>${text}</title><h1>${text}</h1>\n`;

let fake: FakeAnthropic;
let original: TestServer;
let copy: ServerProcess | undefined;
let copyPort: number;
let copyApi: Api;
let clone: Clone;
let token: string;

const prodHost = (app: string) => `${app}.localhost`;
const previewHost = (app: string) => `${app}-preview.localhost`;

async function waitForEnvironment(port: number, host: string, text: string, timeoutMs = 180_000): Promise<string> {
  try {
    return (
      await eventually(
        async () => {
          const r = await getViaProxy(port, host);
          return r.status === 200 && r.body.includes(text) && r;
        },
        timeoutMs,
        `${host} on port ${port} to serve "${text}"`,
      )
    ).body;
  } catch (e) {
    // What the server on that port says of the app's environments and builds, to tell a slow build from a failure.
    const app = host.split('.')[0]!.replace(/-preview$/, '');
    const ask = port === original.port ? original.api : copyApi;
    const said = await Promise.all(['environments', 'builds'].map((what) => ask('GET', `/api/apps/${app}/${what}`).catch((err: Error) => err.message)));
    throw new Error(`${(e as Error).message}\n${JSON.stringify(said).slice(0, 4000)}`);
  }
}

beforeAll(async () => {
  fake = await startFakeAnthropic();
  original = await startTestServer({
    ANTHROPIC_API_KEY: 'sk-ant-test-0000000000',
    ANTHROPIC_BASE_URL: fake.url,
    SLIPWAY_MODEL: 'claude-sonnet-5-5',
    SLIPWAY_ANTHROPIC_MAX_RETRIES: '0',
    SLIPWAY_FIX_ATTEMPTS: '0',
  });
  token = original.pipeline.createToken('drill').token;
}, 120_000);

afterAll(async () => {
  try {
    if (copy) {
      for (const app of [site, api]) await copyApi('DELETE', `/api/apps/${app}`).catch(() => undefined);
      await copy.kill('SIGTERM');
    }
  } finally {
    await removeInstallationFromDocker(restoredDir).catch(() => undefined);
    clone?.remove();
    await original?.stop();
    await fake?.close();
    for (const app of [site, api]) await removeAppFromDocker(app).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }
}, 180_000);

describe('backup drill', () => {
  it('restores a running installation into a second server on the same Docker, with everything it had', { timeout: 900_000 }, async () => {
    // The installation: a static site changed by Claude and published, an API whose production greets with a secret.
    expect((await original.api('POST', '/api/apps', { name: site, template: 'static-site' })).status).toBe(201);
    expect((await original.api('POST', '/api/apps', { name: api, template: 'simple-api' })).status).toBe(201);
    await waitForEnvironment(original.port, previewHost(site), 'Hello from Slipway');
    fake.push(
      { blocks: [{ type: 'tool_use', name: 'write_file', input: { path: 'public/index.html', content: page('Drill release') } }] },
      { blocks: [{ type: 'tool_use', name: 'finish', input: { summary: 'Name the page for the drill' } }] },
    );
    const started = await original.api('POST', `/api/apps/${site}/generations`, { prompt: 'Name the page for the drill' });
    expect(started.status).toBe(202);
    const events = await readSse(`${original.url}/api/generations/${started.body.generation.id}/events`, original.token, { timeoutMs: 300_000 });
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { status: 'live' } });
    expect((await original.api('POST', `/api/apps/${site}/publish`, {})).status).toBe(200);
    expect((await original.api('PUT', `/api/apps/${api}/secrets/prod/GREETING`, { value: secret })).status).toBe(204);
    await waitForEnvironment(original.port, previewHost(api), 'Hello from Slipway');
    expect((await original.api('POST', `/api/apps/${api}/publish`, {})).status).toBe(200);
    const prodSite = await waitForEnvironment(original.port, prodHost(site), 'Drill release');
    const prodApi = await waitForEnvironment(original.port, prodHost(api), secret);

    // Pushes to the site's main, one after the other (bounded), while the backup is taken.
    clone = await cloneApp(original.gitUrl(site));
    const pushed: { commit: string; text: string; at: number }[] = [];
    let stop = false;
    const pushing = (async () => {
      for (let i = 1; i <= 25 && !stop; i++) {
        const text = `push ${i}`;
        const commit = await clone.commit({ 'public/index.html': page(text) }, text);
        const r = await clone.push('-q', '-o', 'async', 'origin', 'main');
        expect(r.code, r.output).toBe(0);
        pushed.push({ commit, text, at: Date.now() });
      }
    })();
    await eventually(() => pushed.length >= 2, 120_000, 'two pushes before the backup');
    const began = Date.now();
    const made = await original.api('POST', '/api/backups', undefined, token);
    const ended = Date.now();
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    await eventually(() => pushed.some((p) => p.at > ended), 120_000, 'a push after the backup');
    stop = true;
    await pushing;
    const { backup } = made.body;
    console.log(
      `drill: backup of ${backup.apps.length} apps, ${backup.size} bytes, made in ${backup.durationMs} ms (${ended - began} ms for the request); ` +
        `${pushed.filter((p) => p.at < began).length} pushes before it, ${pushed.filter((p) => p.at >= began && p.at <= ended).length} during it, ${pushed.length} in all`,
    );

    // Downloaded as an operator moving to another machine would, then restored with the CLI.
    const download = await fetch(`${original.url}${backup.downloadUrl}`, { headers: { authorization: `Bearer ${token}` } });
    expect(download.status).toBe(200);
    const archive = join(scratch, backup.name);
    writeFileSync(archive, Buffer.from(await download.arrayBuffer()), { mode: 0o600 });
    const restored = spawnSync(process.execPath, [join(root, 'dist', 'src', 'main.js'), 'restore', archive, '--data-dir', restoredDir, '--new-identity'], {
      env: { PATH: process.env.PATH, SLIPWAY_LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    });
    expect(restored.status, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`apps: ${[site, api].sort().join(', ')}`);

    // Of the pushes: the restored main is one of them, every one that had landed when the backup began is in it,
    // none that started after it ended, and the repo is whole.
    const gitdir = join(restoredDir, 'repos', `${site}.git`);
    const main = (await gitOk(['--git-dir', gitdir, 'rev-parse', 'refs/heads/main'])).stdout.trim();
    const index = pushed.findIndex((p) => p.commit === main);
    expect(index).toBeGreaterThanOrEqual(pushed.filter((p) => p.at < began).length - 1);
    expect(pushed[index]!.at).toBeLessThanOrEqual(ended);
    for (const p of pushed.slice(0, index + 1)) expect((await git(['--git-dir', gitdir, 'merge-base', '--is-ancestor', p.commit, main])).code).toBe(0);
    expect((await git(['--git-dir', gitdir, 'fsck', '--full', '--strict'])).code).toBe(0);

    // The second server: another port, another installation id, the same Docker Engine. No SLIPWAY_ADMIN_TOKEN:
    // the tokens come from the backup.
    copyPort = await freePort();
    copyApi = createApi(`http://127.0.0.1:${copyPort}`, token);
    copy = startServerProcess({
      SLIPWAY_DATA_DIR: restoredDir,
      SLIPWAY_PORT: String(copyPort),
      SLIPWAY_LOG_LEVEL: 'warn',
      ...(process.env.SLIPWAY_BUILD_ARGS ? { SLIPWAY_BUILD_ARGS: process.env.SLIPWAY_BUILD_ARGS } : {}),
    });
    await copy.waitFor(/Slipway is serving on/, 60_000);
    expect(copy.output()).not.toContain('An admin token was created');

    // Every app, token, release, secret and generation is there.
    const apps = await copyApi('GET', '/api/apps');
    expect(apps.status).toBe(200);
    expect(apps.body.apps.map((a: { name: string }) => a.name).sort()).toEqual([site, api].sort());
    expect((await copyApi('GET', '/api/apps', undefined, original.token)).status).toBe(200);
    const tags = (await gitOk(['--git-dir', gitdir, 'tag', '--list'])).stdout.split('\n').filter(Boolean);
    expect(tags).toEqual((await gitOk(['--git-dir', join(original.dataDir, 'repos', `${site}.git`), 'tag', '--list'])).stdout.split('\n').filter(Boolean));
    expect(tags).toContain('v1');
    expect((await copyApi('GET', `/api/apps/${api}/secrets/prod`)).body).toEqual({ names: ['GREETING'], missing: [] });
    const generations = (await copyApi('GET', `/api/apps/${site}/generations`)).body.generations as { prompt: string; status: string }[];
    expect(generations.map((g) => g.prompt)).toEqual(['Name the page for the drill']);

    // Each environment converges on the second server; production answers what it answered before (the API's with
    // the secret's value, which still decrypts), and the first server still serves its own.
    expect(await waitForEnvironment(copyPort, prodHost(site), 'Drill release')).toBe(prodSite);
    expect(await waitForEnvironment(copyPort, prodHost(api), secret)).toBe(prodApi);
    await waitForEnvironment(copyPort, previewHost(api), 'Hello from Slipway');
    await waitForEnvironment(copyPort, previewHost(site), pushed[index]!.text);
    expect((await getViaProxy(original.port, prodHost(site))).body).toBe(prodSite);
    expect((await getViaProxy(original.port, prodHost(api))).body).toBe(prodApi);
    // Two installations on one engine: each runs its own production container of each app.
    for (const app of [site, api]) {
      const { stdout } = await execFileAsync('docker', [
        'ps',
        '--filter',
        `label=slipway.app=${app}`,
        '--filter',
        'label=slipway.environment=prod',
        '--format',
        '{{.Label "slipway.instance"}}',
      ]);
      expect(new Set(stdout.split('\n').filter(Boolean)).size, app).toBe(2);
    }

    // Pushing to the restored installation works with a restored token (the repos use this Slipway's hooks).
    const next = await cloneApp(`http://drill:${token}@127.0.0.1:${copyPort}/git/${site}.git`);
    try {
      await next.commit({ 'public/index.html': page('after the restore') }, 'After the restore');
      const r = await next.push('origin', 'main');
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain(`remote: preview is live: http://${previewHost(site)}:${copyPort}/`);
    } finally {
      next.remove();
    }
    await waitForEnvironment(copyPort, previewHost(site), 'after the restore', 60_000);
  });
});
