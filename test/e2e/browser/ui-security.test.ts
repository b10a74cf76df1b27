// The UI's doors, over plain HTTP against the real server: without a session every page redirects to sign-in
// and every action is refused (401) with nothing changed; a request from another site is refused (403) even
// with a valid session; the session cookie is signed, HttpOnly and SameSite=Lax, its keys live in DATA_DIR,
// and revoking the token behind a session ends it. Also: the banner when Docker is unreachable and the API
// key is missing, and error pages that never show a stack trace.
import { renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/app-http.js';
import { removeAppFromDocker, uniqueAppName } from '../../helpers/e2e-docker.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
let base: string;
const app = uniqueAppName('ui-doors');
let commit: string;
let buildId: string;
let deploymentId: string;

async function request(path: string, init: { method?: string; cookie?: string; origin?: string | null; site?: string; accept?: string; body?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.cookie) headers.cookie = init.cookie;
  if (init.origin !== null && init.method && init.method !== 'GET') headers.origin = init.origin ?? base;
  if (init.site) headers['sec-fetch-site'] = init.site;
  if (init.accept) headers.accept = init.accept;
  if (init.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers, body: init.body, redirect: 'manual' });
  const text = res.headers.get('content-type')?.includes('event-stream') ? '' : await res.text();
  return { status: res.status, location: res.headers.get('location'), text, cookies: res.headers.getSetCookie() };
}

async function signIn(token: string): Promise<{ cookie: string; setCookies: string[] }> {
  const r = await request('/sign-in', { method: 'POST', body: `token=${encodeURIComponent(token)}&next=%2F` });
  expect(r.status).toBe(303);
  return { cookie: r.cookies.map((c) => c.split(';')[0]).join('; '), setCookies: r.cookies };
}

beforeAll(async () => {
  server = await startTestServer({});
  base = server.config.publicUrl;
  const created = await server.api('POST', '/api/apps', { name: app, template: 'static-site', description: 'Front door facts' });
  expect(created.status).toBe(201);
  commit = created.body.app.commit;
  await eventually(async () => (await server.api('GET', `/api/apps/${app}/environments`)).body.environments[0].status === 'live', 120_000, 'the first preview');
  buildId = (await server.api('GET', `/api/apps/${app}/builds`)).body.builds[0].id;
  deploymentId = (await server.api('GET', `/api/apps/${app}/deployments`)).body.deployments[0].id;
});

afterAll(async () => {
  await server?.stop();
  await removeAppFromDocker(app).catch(() => undefined);
});

describe('UI doors', () => {
  it('redirects every page to sign-in and refuses every action without a session', async () => {
    const pages = [
      '/',
      '/new-app',
      '/new-app/check-name?name=abc',
      '/about',
      `/apps/${app}`,
      `/apps/${app}?generation=g_x`,
      `/apps/${app}/history`,
      `/apps/${app}/history?page=2`,
      `/apps/${app}/commits/${commit}`,
      `/apps/${app}/compare?from=main&to=main`,
      `/apps/${app}/publish`,
      `/apps/${app}/rollback`,
      `/apps/${app}/settings`,
      `/apps/${app}/logs`,
      `/apps/${app}/builds/${buildId}`,
      `/apps/${app}/deployments/${deploymentId}`,
      `/apps/${app}/job-runs/j_x`,
      `/apps/${app}/fragments/card`,
      `/apps/${app}/fragments/environments`,
      `/apps/${app}/fragments/activity`,
      `/apps/${app}/fragments/generations`,
      '/no-such-page',
    ];
    for (const path of pages) {
      const r = await request(path);
      expect(r.status, path).toBe(303);
      expect(r.location, path).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
      expect(r.text, path).not.toContain('Front door facts');
    }
    // Live streams and fragments asked for by the page script: 401, not a redirect.
    for (const path of ['/live', `/live?app=${app}`, `/apps/${app}/logs/preview/stream`]) {
      expect((await request(path, { accept: 'text/event-stream' })).status, path).toBe(401);
    }
    // The API's live streams, which a signed-in page follows with its cookie, need a session or a token too.
    for (const path of [`/api/builds/${buildId}/log`, '/api/job-runs/j_x/log', `/api/apps/${app}/environments`])
      expect((await request(path)).status, path).toBe(401);

    const actions: [string, string][] = [
      ['/new-app', `name=${app}-2&template=static-site`],
      [`/apps/${app}/generations`, 'prompt=hello'],
      [`/apps/${app}/generations/g_x/revert`, ''],
      [`/apps/${app}/publish`, `commit=${commit}`],
      [`/apps/${app}/rollback`, 'to=v1'],
      [`/apps/${app}/secrets`, 'environment=preview&name=X&value=y'],
      [`/apps/${app}/secrets/remove`, 'environment=preview&name=X'],
      [`/apps/${app}/jobs/run`, 'environment=preview'],
      [`/apps/${app}/delete`, `confirm=${app}`],
    ];
    for (const [path, body] of actions) {
      const r = await request(path, { method: 'POST', body });
      expect(r.status, path).toBe(401);
      expect(r.text, path).toContain('Sign in first');
      expect(r.text, path).not.toMatch(/\bat [\w.<>]+ \(.*:\d+:\d+\)/);
    }
    expect((await server.api('GET', `/api/apps/${app}`)).status).toBe(200);
    expect((await server.api('GET', `/api/apps/${app}-2`)).status).toBe(404);
    expect((await server.api('GET', `/api/apps/${app}/secrets/preview`)).body.names).toEqual([]);
  });

  it('refuses a POST from another site even with a valid session', async () => {
    const { cookie } = await signIn(server.token);
    const tries = [
      { origin: 'http://evil.example' },
      { origin: `http://${app}-preview.localhost:${server.port}` },
      { origin: null, site: 'cross-site' },
      { origin: null },
    ];
    for (const t of tries) {
      const r = await request(`/apps/${app}/delete`, { method: 'POST', cookie, body: `confirm=${app}`, ...t });
      expect(r.status, JSON.stringify(t)).toBe(403);
      expect(r.text).toContain('another site');
    }
    // Another name for this very server (a name that resolves to it, DNS rebinding) is another site too: only the
    // public URL counts (and, with no public URL set, the loopback names of its port: test/integration/server/ui-origin).
    const rebound = `http://rebound.localhost:${server.port}`;
    const viaOtherName = await fetch(`${server.url}/apps/${app}/delete`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: rebound, 'content-type': 'application/x-www-form-urlencoded' },
      body: `confirm=${app}`,
    });
    expect(rebound).not.toBe(base);
    expect(viaOtherName.status).toBe(403);
    // Signing in from another site (login CSRF) is refused too.
    expect((await request('/sign-in', { method: 'POST', origin: 'http://evil.example', body: `token=${server.token}` })).status).toBe(403);
    expect((await server.api('GET', `/api/apps/${app}`)).status).toBe(200);
    // The same request from our own pages works (here: a secret, then removing it).
    const ok = await request(`/apps/${app}/secrets`, { method: 'POST', cookie, body: 'environment=preview&name=DOOR_KEY&value=v', site: 'same-origin' });
    expect(ok.status).toBe(303);
    expect((await server.api('GET', `/api/apps/${app}/secrets/preview`)).body.names).toEqual(['DOOR_KEY']);
    expect((await request(`/apps/${app}/secrets/remove`, { method: 'POST', cookie, body: 'environment=preview&name=DOOR_KEY' })).status).toBe(303);
  });

  it('keeps sessions in a signed, HttpOnly, SameSite=Lax cookie whose keys live in DATA_DIR; a revoked token ends its sessions', async () => {
    const { cookie, setCookies } = await signIn(server.token);
    expect(setCookies).toHaveLength(2);
    for (const c of setCookies) {
      expect(c).toMatch(/; httponly/i);
      expect(c).toMatch(/; samesite=lax/i);
    }
    expect(setCookies.some((c) => c.startsWith('slipway.session.sig='))).toBe(true);
    expect(setCookies.join('\n')).not.toContain(server.token);
    const keys = join(server.dataDir, 'ui-session-keys.json');
    expect(statSync(keys).mode & 0o777).toBe(0o600);

    expect((await request('/', { cookie })).status).toBe(200);
    // A session cookie changed by hand (the signature no longer matches) is no session.
    const forged = cookie.replace(
      /slipway\.session=([^;]+)/,
      (_m, v: string) => `slipway.session=${Buffer.from(JSON.stringify({ claim: { name: 'mallory', tokenId: 'tok_x' } })).toString('base64')}${v.slice(0, 0)}`,
    );
    expect((await request('/', { cookie: forged })).status).toBe(303);
    // A signed-in browser may read the API (EventSource sends no headers) but not change anything through it.
    expect((await request(`/api/apps/${app}`, { cookie })).status).toBe(200);
    expect((await request(`/api/apps/${app}`, { method: 'DELETE', cookie })).status).toBe(401);

    const extra = server.deps.store.tokens.add({ name: 'laptop', personId: 'per_admin' }, 'slw_browser-test-token-0123456789abcdef');
    const second = await signIn('slw_browser-test-token-0123456789abcdef');
    expect((await request('/', { cookie: second.cookie })).status).toBe(200);
    server.deps.store.tokens.revoke(extra.id);
    const after = await request('/', { cookie: second.cookie });
    expect(after.status).toBe(303);
    expect(after.location).toBe('/sign-in?next=%2F');

    // Signing out ends the session.
    const out = await request('/sign-out', { method: 'POST', cookie });
    expect(out.status).toBe(303);
    const cleared = out.cookies.map((c) => c.split(';')[0]).join('; ');
    expect((await request('/', { cookie: cleared })).status).toBe(303);
  });

  it('answers errors with pages that say what happened and never show a stack trace', async () => {
    const { cookie } = await signIn(server.token);
    const notFound = await request('/apps/nothing-here', { cookie });
    expect(notFound.status).toBe(404);
    expect(notFound.text).toContain('No app named nothing-here');
    const bad = await request(`/apps/${app}/commits/not-a-sha`, { cookie });
    expect(bad.status).toBe(400);
    const conflict = await request(`/apps/${app}/rollback`, { method: 'POST', cookie, body: '' });
    expect(conflict.status).toBe(409);
    expect(conflict.text).toMatch(/no earlier release/);
    const noKey = await request(`/apps/${app}/generations`, { method: 'POST', cookie, body: 'prompt=hello' });
    expect(noKey.status).toBe(503);
    expect(noKey.text).toContain('ANTHROPIC_API_KEY');
    // A fault (here: the app's repo is gone from under Slipway) is a 500 page without the details.
    const gitdir = join(server.dataDir, 'repos', `${app}.git`);
    renameSync(gitdir, `${gitdir}.away`);
    let broken;
    try {
      broken = await request(`/apps/${app}/history`, { cookie });
    } finally {
      renameSync(`${gitdir}.away`, gitdir);
    }
    expect(broken.status).toBe(500);
    expect(broken.text).toContain('unexpected error');
    expect(broken.text).not.toContain(server.dataDir);
    for (const r of [notFound, bad, conflict, noKey, broken]) {
      expect(r.text).toMatch(/^<!doctype html>/);
      expect(r.text).not.toMatch(/\bat [\w.<>]+ \(.*:\d+:\d+\)|node_modules|\.ts:\d+/);
    }
  });

  it('shows a banner when Docker is unreachable and when the API key is missing', async () => {
    const other = await startTestServer({ SLIPWAY_DOCKER_SOCKET: join(server.dataDir, 'no-docker.sock') });
    try {
      const r1 = await fetch(`${other.config.publicUrl}/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: other.config.publicUrl, 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=${encodeURIComponent(other.token)}`,
      });
      const cookie = r1.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const home = await (await fetch(`${other.config.publicUrl}/`, { headers: { cookie } })).text();
      expect(home).toContain('data-banner="runtime"');
      expect(home).toContain('Docker is not reachable');
      expect(home).toContain('data-banner="api-key"');
    } finally {
      await other.stop();
    }
    // This server has Docker but no API key: only the key banner.
    const { cookie } = await signIn(server.token);
    const page = (await request('/', { cookie })).text;
    expect(page).not.toContain('data-banner="runtime"');
    expect(page).toContain('data-banner="api-key"');
  });
});
