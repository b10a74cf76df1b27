// Protected previews over the real web app, pipeline and proxy (fake engine), with an app upstream on 127.0.0.1 that
// says which cookies reached it: an anonymous visit goes through the UI's sign-in and back with a one-time code, the
// cookie opens that host alone and never reaches the app, production stays public; share links open an environment
// until revoked or expired (and so do the cookies they made); bad input is refused with the reason and changes
// nothing; WebSockets are refused without access; Kubernetes refuses the setting.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_SETTINGS_TTL_MS, createAppAccess } from '../../../src/pipeline/app-access.js';
import { createAppProxy, withAppProxy } from '../../../src/runtime/proxy/create-app-proxy.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import { createLogger } from '../../../src/shared/log.js';
import { createWebApp } from '../../../src/web/create-web-app.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { freePort } from '../../helpers/free-port.js';
import { signInCookie } from '../../helpers/sign-in.js';

const TOKEN = 'protected-test-admin-token-0123456789';
let fp: FakePipeline;
let server: Server;
let upstream: Server;
let port: number;
let base: string;
let session: string;
/** The Cookie header of each request the app received. */
const seenCookies: (string | undefined)[] = [];

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request to `host` through Slipway's port (fetch cannot set Host). */
function viaHost(host: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: `${host}:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

const accessCookieOf = (a: Answer): string => {
  const set = ([] as string[]).concat(a.headers['set-cookie'] ?? []).find((c) => c.startsWith('slipway_access='));
  if (!set) throw new Error(`no access cookie in ${JSON.stringify(a.headers)}`);
  return set.split(';')[0]!;
};

/** Where the UI's access page moves on to (its meta refresh and its link), with a UI session. */
async function handOff(pathAndQuery: string, uiSession = session): Promise<{ status: number; to: URL | null; cacheControl: string | null }> {
  const res = await fetch(`${base}${pathAndQuery}`, { redirect: 'manual', headers: { cookie: uiSession } });
  const html = await res.text();
  const href = /<a href="([^"]+)" data-continue>/.exec(html)?.[1];
  const refresh = /<meta http-equiv="refresh" content="0; url=([^"]+)">/.exec(html)?.[1];
  expect(refresh).toBe(href);
  const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));
  return { status: res.status, to: href ? new URL(decode(href)) : null, cacheControl: res.headers.get('cache-control') };
}

/** The whole sign-in hand-off for `host` with a UI session: the access cookie the host sets. */
async function signedInCookie(host: string, uiSession = session, path = '/'): Promise<{ cookie: string; landed: string }> {
  const first = await viaHost(host, path);
  expect(first.status).toBe(302);
  const toUi = new URL(first.headers.location!);
  const page = await handOff(`${toUi.pathname}${toUi.search}`, uiSession);
  expect(page.status).toBe(200);
  const toHost = page.to!;
  expect(toHost.host).toBe(`${host}:${port}`);
  const redeemed = await viaHost(host, `${toHost.pathname}${toHost.search}`);
  expect(redeemed.status).toBe(302);
  return { cookie: accessCookieOf(redeemed), landed: redeemed.headers.location! };
}

beforeAll(async () => {
  port = await freePort();
  fp = await createFakePipeline({ env: { SLIPWAY_ADMIN_TOKEN: TOKEN, SLIPWAY_PORT: String(port) } });
  upstream = createServer((req, res) => {
    seenCookies.push(req.headers.cookie);
    res.setHeader('content-type', 'text/plain');
    res.end(`hello from ${req.headers.host} at ${req.url}\n`);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as AddressInfo).port;
  const proxy = createAppProxy({
    environments: fp.config.environments,
    domain: fp.config.domain,
    branchPreviews: true,
    appExists: (name) => fp.store.apps.get(name) !== undefined,
    route: () => ({ host: '127.0.0.1', port: upstreamPort }),
    access: fp.pipeline.access.proxy,
    log: createLogger('silent'),
  });
  const app = createWebApp({ pipeline: fp.pipeline, before: [proxy.middleware], hookSecret: 'unused', hookEnv: () => ({}), strictViews: true });
  server = createServer(withAppProxy(proxy, app.callback()));
  server.on('upgrade', (req, socket, head) => {
    if (!proxy.upgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${port}`;
  await fp.createApp('shop', 'static-site');
  await fp.createApp('blog', 'static-site');
  session = await signInCookie(base, new URL(fp.config.publicUrl).origin, TOKEN);
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await new Promise((resolve) => upstream?.close(resolve));
  await fp?.dispose();
});

describe('the access setting', () => {
  it('is public until set, and refuses what is not a setting without changing it', async () => {
    expect(await api('GET', '/api/apps/shop/access')).toMatchObject({ status: 200, body: { access: { previews: 'public', production: 'public' } } });
    expect((await viaHost('shop-preview.localhost', '/')).status).toBe(200);
    const bad = await api('PUT', '/api/apps/shop/access', { previews: 'secret' });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT', message: expect.stringContaining('"public" or "protected"') } } });
    expect((await api('PUT', '/api/apps/nope/access', { previews: 'protected' })).status).toBe(404);
    expect((await api('GET', '/api/apps/shop/access')).body.access.previews).toBe('public');
    expect((await fetch(`${base}/api/apps/shop/access`, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
  });

  it('protects previews (branch previews too) and leaves production public', async () => {
    const set = await api('PUT', '/api/apps/shop/access', { previews: 'protected' });
    expect(set).toMatchObject({ status: 200, body: { access: { previews: 'protected', production: 'public' } } });
    const anonymous = await viaHost('shop-preview.localhost', '/orders?page=2');
    expect(anonymous.status).toBe(302);
    const to = new URL(anonymous.headers.location!);
    expect(`${to.origin}${to.pathname}`).toBe(`${fp.config.publicUrl}/access`);
    expect(Object.fromEntries(to.searchParams)).toEqual({ host: 'shop-preview.localhost', return: '/orders?page=2' });
    expect((await viaHost('shop--feature-x-preview.localhost', '/')).status).toBe(302);
    const prod = await viaHost('shop.localhost', '/');
    expect(prod).toMatchObject({ status: 200, body: expect.stringContaining('hello from') });
    // Another app's previews are not touched.
    expect((await viaHost('blog-preview.localhost', '/')).status).toBe(200);
    // Nothing but a page load is redirected.
    expect((await viaHost('shop-preview.localhost', '/orders', {}, 'POST')).status).toBe(401);
  });
});

describe('the sign-in hand-off', () => {
  it('sends an anonymous person to sign in, then to the host with a one-time code, then to the page they asked for', async () => {
    const first = await viaHost('shop-preview.localhost', '/orders?page=2');
    const toUi = new URL(first.headers.location!);
    const anonymous = await fetch(`${base}${toUi.pathname}${toUi.search}`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    const signIn = new URL(anonymous.headers.get('location')!, base);
    expect(signIn.pathname).toBe('/sign-in');
    expect(signIn.searchParams.get('next')).toBe(`${toUi.pathname}${toUi.search}`);
    // The sign-in form carries `next` back: the UI's own sign-in follows it.
    const signedIn = await fetch(`${base}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: new URL(fp.config.publicUrl).origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKEN, next: signIn.searchParams.get('next')! }).toString(),
    });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe(`${toUi.pathname}${toUi.search}`);
    const uiSession = signedIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');

    const accessPage = await handOff(`${toUi.pathname}${toUi.search}`, uiSession);
    expect(accessPage.status).toBe(200);
    expect(accessPage.cacheControl).toBe('no-store');
    const toHost = accessPage.to!;
    expect(toHost.origin).toBe(`http://shop-preview.localhost:${port}`);
    expect(toHost.pathname).toBe('/__slipway/access');
    expect(toHost.searchParams.get('return')).toBe('/orders?page=2');

    const redeemed = await viaHost('shop-preview.localhost', `${toHost.pathname}${toHost.search}`);
    expect(redeemed.status).toBe(302);
    expect(redeemed.headers.location).toBe('/orders?page=2');
    const setCookie = ([] as string[]).concat(redeemed.headers['set-cookie'] ?? []).join('\n');
    expect(setCookie).toMatch(/^slipway_access=[^;]+; Path=\/; Max-Age=(4319\d|4320\d); HttpOnly; SameSite=Lax$/);
    expect(setCookie).not.toMatch(/Domain=/i); // host-only: never the parent domain or another app's host
    // The code worked once.
    const again = await viaHost('shop-preview.localhost', `${toHost.pathname}${toHost.search}`);
    expect(again).toMatchObject({ status: 400, body: expect.stringContaining('has been used or has expired') });

    const cookie = accessCookieOf(redeemed);
    seenCookies.length = 0;
    const page = await viaHost('shop-preview.localhost', '/orders?page=2', { cookie: `theme=dark; ${cookie}; cart=3` });
    expect(page).toMatchObject({ status: 200, body: expect.stringContaining('at /orders?page=2') });
    expect(seenCookies).toEqual(['theme=dark; cart=3']); // the app never sees Slipway's cookie
    await viaHost('shop-preview.localhost', '/', { cookie });
    expect(seenCookies[1]).toBeUndefined();
  });

  it('gives a cookie that opens its own host only, and none that a changed cookie can stretch', async () => {
    const { cookie } = await signedInCookie('shop-preview.localhost');
    expect((await viaHost('shop-preview.localhost', '/', { cookie })).status).toBe(200);
    await api('PUT', '/api/apps/blog/access', { previews: 'protected' });
    expect((await viaHost('blog-preview.localhost', '/', { cookie })).status).toBe(302);
    expect((await viaHost('shop--feature-x-preview.localhost', '/', { cookie })).status).toBe(302);
    const [name, value] = cookie.split('=') as [string, string];
    const [payload, mac] = value.split('.') as [string, string];
    const grant = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = `${Buffer.from(JSON.stringify({ ...grant, app: 'blog' })).toString('base64url')}.${mac}`;
    expect((await viaHost('blog-preview.localhost', '/', { cookie: `${name}=${forged}` })).status).toBe(302);
    // A code for one host does not open another.
    const first = await viaHost('blog-preview.localhost', '/');
    const toUi = new URL(first.headers.location!);
    const toHost = (await handOff(`${toUi.pathname}${toUi.search}`)).to!;
    expect((await viaHost('shop-preview.localhost', `${toHost.pathname}${toHost.search}`)).status).toBe(400);
  });

  it('never sends a person off the host, and refuses hosts that are no app', async () => {
    const toHost = (await handOff(`/access?host=shop-preview.localhost&return=${encodeURIComponent('//evil.com/x')}`)).to!;
    expect(toHost.host).toBe(`shop-preview.localhost:${port}`);
    expect(toHost.searchParams.get('return')).toBe('/');
    // Even a hand-made return on the app host itself stays on it.
    const code = toHost.searchParams.get('code')!;
    const redeemed = await viaHost('shop-preview.localhost', `/__slipway/access?code=${code}&return=${encodeURIComponent('https://evil.com/')}`);
    expect(redeemed).toMatchObject({ status: 302, headers: { location: '/' } });

    for (const host of ['evil.com', 'nope-preview.localhost', 'localhost']) {
      const res = await handOff(`/access?host=${encodeURIComponent(host)}&return=/`);
      expect(res.status, host).toBe(404);
      expect(res.to).toBeNull();
    }
    // A public environment: straight there, no code.
    expect((await handOff('/access?host=shop.localhost&return=/a')).to!.href).toBe(`http://shop.localhost:${port}/a`);
  });

  it('ends with the token behind the session', async () => {
    const { token, record } = fp.pipeline.createToken('visitor');
    const visitor = await signInCookie(base, new URL(fp.config.publicUrl).origin, token);
    const { cookie } = await signedInCookie('shop-preview.localhost', visitor);
    expect((await viaHost('shop-preview.localhost', '/', { cookie })).status).toBe(200);
    fp.store.tokens.revoke(record.id);
    expect((await viaHost('shop-preview.localhost', '/', { cookie })).status).toBe(302);
  });

  it('refuses WebSockets without access, and lets them through with it', async () => {
    const upgrade = (cookie?: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port,
          path: '/ws',
          headers: {
            host: `shop-preview.localhost:${port}`,
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-version': '13',
            'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
            ...(cookie ? { cookie } : {}),
          },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('upgrade', (_res, socket) => {
          socket.destroy();
          resolve(101);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await upgrade()).toBe(401);
    expect(await upgrade('slipway_access=made.up')).toBe(401);
    const { cookie } = await signedInCookie('shop-preview.localhost');
    // Past the check, the upstream (plain HTTP, no WebSocket) answers; what matters is it was not Slipway's 401.
    expect(await upgrade(cookie)).not.toBe(401);
  });
});

describe('share links', () => {
  it('open an environment without signing in, until revoked; then the link and its cookies stop working', async () => {
    const made = await api('POST', '/api/apps/shop/share-links', { environment: 'preview', expiresIn: '24h' });
    expect(made.status).toBe(201);
    expect(made.body.shareLink).toMatchObject({ environment: 'preview', state: 'active', createdBy: 'admin', revokedAt: null });
    expect(Date.parse(made.body.shareLink.expiresAt) - Date.parse(made.body.shareLink.createdAt)).toBe(86_400_000);
    const url = new URL(made.body.url);
    expect(url.origin).toBe(`http://shop-preview.localhost:${port}`);
    expect(url.pathname).toBe('/__slipway/share');
    const token = url.searchParams.get('token')!;
    expect(token).toMatch(/^shr_/);
    // Listed without its token.
    const listed = await api('GET', '/api/apps/shop/share-links');
    expect(JSON.stringify(listed.body)).not.toContain(token);
    expect(listed.body.shareLinks[0]).toMatchObject({ id: made.body.shareLink.id, state: 'active' });

    const opened = await viaHost('shop-preview.localhost', `${url.pathname}${url.search}`);
    expect(opened).toMatchObject({ status: 302, headers: { location: '/' } });
    const cookie = accessCookieOf(opened);
    expect((await viaHost('shop-preview.localhost', '/', { cookie })).status).toBe(200);
    // The link works more than once (for everyone it was given to), on its own host only.
    expect((await viaHost('shop-preview.localhost', `${url.pathname}${url.search}`)).status).toBe(302);
    expect((await viaHost('shop--feature-x-preview.localhost', `${url.pathname}${url.search}`)).status).toBe(404);
    expect((await viaHost('shop-preview.localhost', '/__slipway/share?token=shr_madeupmadeupmadeupmadeup')).body).toContain('not valid');

    expect((await api('DELETE', `/api/apps/shop/share-links/${made.body.shareLink.id}`)).status).toBe(204);
    const revoked = await viaHost('shop-preview.localhost', `${url.pathname}${url.search}`);
    expect(revoked).toMatchObject({ status: 410, body: expect.stringContaining('This share link was revoked') });
    const withCookie = await viaHost('shop-preview.localhost', '/', { cookie });
    expect(withCookie).toMatchObject({ status: 403, body: expect.stringContaining('This share link was revoked') });
    expect((await api('GET', '/api/apps/shop/share-links')).body.shareLinks[0]).toMatchObject({ state: 'revoked', revokedAt: expect.any(String) });
    expect((await api('DELETE', '/api/apps/blog/share-links/' + made.body.shareLink.id)).status).toBe(404);
  });

  it('stop working when they expire, and so do the cookies they made', async () => {
    const made = await api('POST', '/api/apps/shop/share-links', { environment: 'preview', expiresIn: '1h' });
    const url = new URL(made.body.url);
    const opened = await viaHost('shop-preview.localhost', `${url.pathname}${url.search}`);
    const cookie = accessCookieOf(opened);
    // The cookie expires no later than the link.
    expect(([] as string[]).concat(opened.headers['set-cookie']!).join()).toMatch(/Max-Age=(3600|3599);/);
    expect((await viaHost('shop-preview.localhost', '/', { cookie })).status).toBe(200);
    // An hour passes (for this link).
    fp.store.db.prepare('UPDATE share_links SET expires_at = ? WHERE id = ?').run(new Date(Date.now() - 1000).toISOString(), made.body.shareLink.id);
    expect(await viaHost('shop-preview.localhost', `${url.pathname}${url.search}`)).toMatchObject({
      status: 410,
      body: expect.stringContaining('This share link has expired'),
    });
    expect(await viaHost('shop-preview.localhost', '/', { cookie })).toMatchObject({ status: 403, body: expect.stringContaining('has expired') });
  });

  it('open a branch preview or production too, and refuse bad input with the reason', async () => {
    const branch = await api('POST', '/api/apps/shop/share-links', { environment: 'preview--feature-x', expiresIn: '7d' });
    expect(branch.status).toBe(201);
    expect(new URL(branch.body.url).host).toBe(`shop--feature-x-preview.localhost:${port}`);
    const prod = await api('POST', '/api/apps/shop/share-links', { environment: 'prod', expiresIn: '30d' });
    expect(new URL(prod.body.url).host).toBe(`shop.localhost:${port}`);
    const before = (await api('GET', '/api/apps/shop/share-links')).body.shareLinks.length;
    expect(await api('POST', '/api/apps/shop/share-links', { environment: 'preview', expiresIn: '31d' })).toMatchObject({
      status: 400,
      body: { error: { message: expect.stringContaining('1 hour') } },
    });
    expect((await api('POST', '/api/apps/shop/share-links', { environment: 'preview', expiresIn: '10m' })).status).toBe(400);
    expect((await api('POST', '/api/apps/shop/share-links', { environment: 'qa', expiresIn: '1h' })).status).toBe(404);
    expect((await api('POST', '/api/apps/shop/share-links', { environment: 'preview--Bad_Slug', expiresIn: '1h' })).status).toBe(404);
    expect((await api('GET', '/api/apps/shop/share-links')).body.shareLinks.length).toBe(before);
  });
});

describe('the settings page', () => {
  const form = (path: string, fields: Record<string, string>) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: session, origin: new URL(fp.config.publicUrl).origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });

  it('sets access, makes a share link shown once, and revokes it', async () => {
    const saved = await form('/apps/blog/access', { previews: 'public', production: 'protected' });
    expect(saved.status).toBe(303);
    expect((await api('GET', '/api/apps/blog/access')).body.access).toEqual({ previews: 'public', production: 'protected' });
    expect((await viaHost('blog.localhost', '/')).status).toBe(302);
    expect((await form('/apps/blog/access', { previews: 'hidden' })).status).toBe(400);

    const made = await form('/apps/blog/share-links', { environment: 'prod', expiresIn: '1h' });
    expect(made.status).toBe(200);
    const html = await made.text();
    const link = /value="(http:\/\/blog\.localhost:\d+\/__slipway\/share\?token=shr_[^"]+)"/.exec(html)?.[1];
    expect(link).toBeDefined();
    const page = await (await fetch(`${base}/apps/blog/settings`, { headers: { cookie: session } })).text();
    expect(page).toContain('data-share-link=');
    expect(page).not.toContain(new URL(link!).searchParams.get('token')!);
    const id = /data-share-link="([^"]+)"/.exec(page)![1]!;
    expect((await form('/apps/blog/share-links/revoke', { id })).status).toBe(303);
    expect((await api('GET', '/api/apps/blog/share-links')).body.shareLinks[0].state).toBe('revoked');
  });
});

describe('a change made by another process (the CLI)', () => {
  it('is seen by the proxy within the time the setting is cached', async () => {
    const other = createAppAccess({ config: fp.config, store: fp.store, log: fp.pipeline.log, runtime: { kind: 'docker' } as Runtime });
    const before = other.settings('shop');
    expect(before.production).toBe('public');
    expect((await viaHost('shop.localhost', '/')).status).toBe(200); // read (and cached) by the server's pipeline
    other.update('shop', { production: 'protected' }, 'admin');
    const msUntil = async (status: number) => {
      const t0 = Date.now();
      while ((await viaHost('shop.localhost', '/')).status !== status) {
        if (Date.now() - t0 > 3000) throw new Error(`still not ${status} after 3 s`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return Date.now() - t0;
    };
    expect(await msUntil(302)).toBeLessThan(ACCESS_SETTINGS_TTL_MS + 500);
    other.update('shop', before, 'admin');
    expect(await msUntil(200)).toBeLessThan(ACCESS_SETTINGS_TTL_MS + 500);
  });
});

describe('on Kubernetes', () => {
  it('refuses protected previews with the reason', () => {
    const access = createAppAccess({ config: fp.config, store: fp.store, log: fp.pipeline.log, runtime: { kind: 'kubernetes' } as Runtime });
    expect(() => access.update('shop', { previews: 'protected' }, 'admin')).toThrow(/protected previews need the Docker runtime for now/);
    expect(access.update('shop', { previews: 'public' }, 'admin')).toEqual({ previews: 'public', production: 'public' });
  });
});
