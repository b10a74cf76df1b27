// The builder image (Dockerfile) as someone installing Slipway meets it: built from this checkout, started with the
// port published on 127.0.0.1 only, a data volume and SLIPWAY_ADMIN_TOKEN; it answers, serves the UI with its CSS,
// signs in, takes a push over git, and stops cleanly on SIGTERM through tini. The container gets no Docker socket:
// builds then wait for Docker, as they do on a machine where the engine is down.
// Without Docker Hub the image builds FROM the offline slipway-base/node:20 (scripts/build-base-images.sh).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/app-http.js';
import { builderImage, type BuilderImage } from '../../helpers/builder-image.js';
import { uniqueAppName } from '../../helpers/e2e-docker.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { freePort } from '../../helpers/free-port.js';

const run = promisify(execFile);
const token = randomBytes(24).toString('hex');
const name = uniqueAppName('slipway-test-builder');
const volume = `${name}-data`;
const app = uniqueAppName('img');
// docker stop's grace period: SIGTERM, then SIGKILL (exit 137) after this many seconds.
const GRACE_SECONDS = 20;

let port: number;
let base: string;
let built: BuilderImage;
let clone: Clone | undefined;

const api = (path: string, withToken: boolean, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { ...(withToken ? { authorization: `Bearer ${token}` } : {}), ...init.headers } });

async function containerLogs(): Promise<string> {
  const r = await run('docker', ['logs', '--tail', '40', name]).catch((e: { stdout?: string; stderr?: string }) => e);
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

/** Polls /healthz; each try is cut short, since a connection to the published port can hang while the container starts. */
async function waitForHealthz(): Promise<void> {
  try {
    await eventually(
      async () => (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) })).status === 200,
      60_000,
      'the container to answer /healthz',
    );
  } catch (e) {
    throw new Error(`${(e as Error).message} (FROM ${built.nodeImage})\ncontainer log:\n${await containerLogs()}`);
  }
}

beforeAll(async () => {
  // A cold build (apt-get, npm ci compiling better-sqlite3, tsc) takes about 7 minutes on two cores.
  built = await builderImage();
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await run('docker', ['volume', 'create', volume]);
  await run('docker', [
    'run',
    '-d',
    '--name',
    name,
    '-p',
    `127.0.0.1:${port}:8080`,
    '-v',
    `${volume}:/data`,
    '-e',
    `SLIPWAY_ADMIN_TOKEN=${token}`,
    '-e',
    `SLIPWAY_PUBLIC_URL=${base}`,
    built.image,
  ]);
  await waitForHealthz();
}, 20 * 60_000);

afterAll(async () => {
  clone?.remove();
  await run('docker', ['rm', '-f', '-v', name]).catch(() => undefined);
  await run('docker', ['volume', 'rm', volume]).catch(() => undefined);
});

describe('the builder image', () => {
  it('answers /healthz', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('asks for the token on the API: 401 without it, 200 with it', async () => {
    expect((await api('/api/apps', false)).status).toBe(401);
    const res = await api('/api/apps', true);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ apps: [] });
  });

  it('renders the sign-in page with its CSS, and the admin token signs in', async () => {
    const page = await fetch(`${base}/sign-in`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<h1>Sign in</h1>');
    const sheets = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]!);
    // Slipway's own (static/) and a vendor one (node_modules/, so it survived the prune).
    expect(sheets).toEqual(expect.arrayContaining([expect.stringMatching(/^\/static\/slipway\.css/), expect.stringMatching(/^\/static\/vendor\//)]));
    for (const sheet of sheets) {
      const css = await fetch(`${base}${sheet}`);
      expect(css.status, sheet).toBe(200);
      expect(css.headers.get('content-type'), sheet).toMatch(/^text\/css/);
      expect((await css.text()).length, sheet).toBeGreaterThan(100);
    }

    const signIn = await fetch(`${base}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: new URLSearchParams({ token, next: '/' }).toString(),
    });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const home = await fetch(`${base}/`, { headers: { cookie }, redirect: 'manual' });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Sign out');
  });

  it('creates an app from a template and takes a push over git', async () => {
    const created = await api('/api/apps', true, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: app, template: 'static-site' }),
    });
    expect(created.status).toBe(201);
    clone = await cloneApp(`http://slipway:${token}@127.0.0.1:${port}/git/${app}.git`);
    const commit = await clone.commit({ 'public/index.html': '<!doctype html><title>image</title><h1>From the image</h1>\n' }, 'Change the page');
    const push = await clone.push('origin', 'main');
    expect(push.code, push.output).toBe(0);
    expect(push.output).toMatch(/main -> main/);
    const envs = await api(`/api/apps/${app}/environments`, true);
    expect(envs.status).toBe(200);
    expect(JSON.stringify(await envs.json())).toContain(commit);
  });

  it('stops on SIGTERM within the grace period, through tini', async () => {
    const { stdout: entry } = await run('docker', ['inspect', '-f', '{{.Path}}', name]);
    expect(entry.trim()).toBe('/usr/bin/tini');
    const started = Date.now();
    await run('docker', ['stop', '-t', String(GRACE_SECONDS), name]);
    const seconds = (Date.now() - started) / 1000;
    const { stdout } = await run('docker', ['inspect', '-f', '{{.State.ExitCode}} {{.State.OOMKilled}}', name]);
    const [exitCode, oomKilled] = stdout.trim().split(' ');
    // 0: the server closed and exited; 143: it died of the SIGTERM tini passed on. 137 would be docker's SIGKILL.
    expect(['0', '143'], await containerLogs()).toContain(exitCode);
    expect(oomKilled).toBe('false');
    expect(seconds).toBeLessThan(GRACE_SECONDS);
  });
});
