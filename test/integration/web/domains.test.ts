// Custom domains through the API and the settings page, over the real web app and pipeline (fake engine): added,
// listed with their certificate, removed; refused with the reason (syntax, Slipway's own hosts, another app's, an
// unknown environment); every change is a `domain` event; and they go with their app.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateState } from '../../../src/domain/certificate-state.js';
import type { PipelineEvent } from '../../../src/pipeline/pipeline-events.js';
import { signInCookie } from '../../helpers/sign-in.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { serveWebApp, stopWebApp } from '../../helpers/serve-web-app.js';

const TOKEN = 'domains-test-admin-token-0123456789';
const certificates: Record<string, CertificateState> = {
  'shop.example.com': { state: 'valid', notAfter: '2027-03-01T12:00:00.000Z' },
  'broken.example.com': { state: 'failed', error: 'the HTTP-01 challenge got 404 from 203.0.113.7', nextAttemptAt: '2026-12-01T08:30:00.000Z' },
};
let fp: FakePipeline;
let server: Server;
let base: string;
let cookie: string;
const events: PipelineEvent[] = [];

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

const form = (path: string, fields: Record<string, string>, origin = new URL(fp.config.publicUrl).origin) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

beforeAll(async () => {
  fp = await createFakePipeline({
    env: { SLIPWAY_ADMIN_TOKEN: TOKEN, SLIPWAY_DOMAIN: 'apps.example.net', SLIPWAY_PUBLIC_URL: 'http://slipway.example.net' },
    certificateState: (host) => certificates[host] ?? { state: 'none' },
  });
  ({ server, base } = await serveWebApp(fp));
  await fp.createApp('shop', 'static-site');
  await fp.createApp('blog', 'static-site');
  fp.pipeline.read.events.subscribe('*', (e) => void (e.type === 'domain' && events.push(e)));
  cookie = await signInCookie(base, new URL(fp.config.publicUrl).origin, TOKEN);
});

afterAll(async () => {
  await stopWebApp(server, fp);
});

describe('custom domains through the API', () => {
  it('adds, lists with the certificate, and removes (by path and by body)', async () => {
    const added = await api('POST', '/api/apps/shop/domains', { environment: 'prod', domain: 'Shop.Example.com.' });
    expect(added).toMatchObject({
      status: 201,
      body: { domain: { domain: 'shop.example.com', environment: 'prod', certificate: certificates['shop.example.com'] } },
    });
    // The same again changes nothing.
    expect((await api('POST', '/api/apps/shop/domains', { environment: 'prod', domain: 'shop.example.com' })).status).toBe(200);
    expect((await api('POST', '/api/apps/shop/domains', { environment: 'preview', domain: 'beta.shop.example.com' })).status).toBe(201);
    const list = await api('GET', '/api/apps/shop/domains');
    expect(list.body.domains).toEqual([
      { domain: 'beta.shop.example.com', environment: 'preview', createdAt: expect.any(String), certificate: { state: 'none' } },
      { domain: 'shop.example.com', environment: 'prod', createdAt: expect.any(String), certificate: certificates['shop.example.com'] },
    ]);
    expect((await api('GET', '/api/apps/shop')).body.app.domains.map((d: { domain: string }) => d.domain)).toEqual([
      'beta.shop.example.com',
      'shop.example.com',
    ]);
    expect(events.map((e) => e.type === 'domain' && `${e.change} ${e.domain} ${e.app}/${e.environment}`)).toEqual([
      'added shop.example.com shop/prod',
      'added beta.shop.example.com shop/preview',
    ]);

    expect((await api('DELETE', '/api/apps/shop/domains/beta.shop.example.com')).status).toBe(204);
    expect((await api('DELETE', '/api/apps/shop/domains', { domain: 'shop.example.com' })).status).toBe(204);
    expect((await api('GET', '/api/apps/shop/domains')).body.domains).toEqual([]);
    expect(events.at(-1)).toEqual({ type: 'domain', app: 'shop', environment: 'prod', domain: 'shop.example.com', change: 'removed' });
    const again = await api('DELETE', '/api/apps/shop/domains/shop.example.com');
    expect(again).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', message: expect.stringMatching(/not a custom domain of shop/) } } });
  });

  it.each([
    [{ environment: 'prod', domain: 'my shop.example.com' }, 400, 'INVALID_DOMAIN', /letters, digits/],
    [{ environment: 'prod', domain: '*.example.com' }, 400, 'INVALID_DOMAIN', /wildcard/],
    [{ environment: 'prod', domain: '203.0.113.7' }, 400, 'INVALID_DOMAIN', /IP address/],
    [{ environment: 'prod' }, 400, 'INVALID_DOMAIN', /required/],
    [{ environment: 'prod', domain: 'slipway.example.net' }, 400, 'INVALID_DOMAIN', /Slipway's own UI/],
    [{ environment: 'prod', domain: 'blog.apps.example.net' }, 400, 'INVALID_DOMAIN', /host Slipway gives app "blog"/],
    [{ environment: 'prod', domain: 'future-app-preview.apps.example.net' }, 400, 'INVALID_DOMAIN', /app "future-app"/],
    [{ environment: 'staging', domain: 'shop.example.com' }, 404, 'NOT_FOUND', /no environment named staging \(there are preview, prod\)/],
  ])('refuses %j with %i and the reason', async (body, status, code, message) => {
    const res = await api('POST', '/api/apps/shop/domains', body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
  });

  it("refuses another app's domain with 409, and answers 404 for an app that does not exist", async () => {
    expect((await api('POST', '/api/apps/blog/domains', { environment: 'prod', domain: 'blog.example.com' })).status).toBe(201);
    const taken = await api('POST', '/api/apps/shop/domains', { environment: 'prod', domain: 'BLOG.example.com' });
    expect(taken).toMatchObject({
      status: 409,
      body: { error: { code: 'DOMAIN_TAKEN', message: 'blog.example.com is already a custom domain of app "blog"' } },
    });
    const moved = await api('POST', '/api/apps/blog/domains', { environment: 'preview', domain: 'blog.example.com' });
    expect(moved).toMatchObject({ status: 409, body: { error: { message: expect.stringMatching(/already goes to prod of blog; remove it there first/) } } });
    // Removing it through another app is no removal.
    expect((await api('DELETE', '/api/apps/shop/domains/blog.example.com')).status).toBe(404);
    expect((await api('GET', '/api/apps/nobody/domains')).status).toBe(404);
    expect((await api('POST', '/api/apps/nobody/domains', { environment: 'prod', domain: 'x.example.com' })).status).toBe(404);
    expect((await api('DELETE', '/api/apps/blog/domains/blog.example.com')).status).toBe(204);
  });

  it('needs a token', async () => {
    const res = await fetch(`${base}/api/apps/shop/domains`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
  });
});

describe('custom domains on the settings page', () => {
  it('adds from the form, shows the environment and certificate (expiry, error), and removes', async () => {
    const added = await form('/apps/shop/domains', { environment: 'prod', domain: 'shop.example.com' });
    expect(added.status).toBe(303);
    expect(added.headers.get('location')).toBe('/apps/shop/settings?added=shop.example.com#domains');
    expect((await form('/apps/shop/domains', { environment: 'preview', domain: 'broken.example.com' })).status).toBe(303);
    const html = (await (await fetch(`${base}/apps/shop/settings?added=shop.example.com`, { headers: { cookie } })).text()).replace(/\s+/g, ' ');
    expect(html).toContain('Added shop.example.com.');
    expect(html).toMatch(
      /<tr data-domain="shop\.example\.com"> <td><code class="wrap">shop\.example\.com<\/code><\/td> <td>production<\/td> <td data-certificate="valid">/,
    );
    expect(html).toMatch(/data-certificate="valid"> <span class="badge tone-ok">valid<\/span> <small class="muted">until 2027-03-01<\/small>/);
    expect(html).toMatch(/data-certificate="failed"> <span class="badge tone-bad">failed<\/span>/);
    expect(html).toContain('the HTTP-01 challenge got 404 from 203.0.113.7');
    expect(html).toContain('next attempt 2026-12-01 08:30 UTC');
    expect(html).toMatch(/<option value="prod" selected>production<\/option>/);

    const refused = await form('/apps/shop/domains', { environment: 'prod', domain: 'blog.apps.example.net' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('host Slipway gives app &quot;blog&quot;');

    expect((await form('/apps/shop/domains/remove', { domain: 'broken.example.com' })).status).toBe(303);
    expect(fp.store.domains.listForApp('shop').map((d) => d.domain)).toEqual(['shop.example.com']);
  });

  it('refuses a form posted from another origin, changing nothing', async () => {
    const res = await form('/apps/shop/domains/remove', { domain: 'shop.example.com' }, 'https://evil.example');
    expect(res.status).toBe(403);
    expect(fp.store.domains.get('shop.example.com')).toBeDefined();
  });

  it('lets the domains go with their app, and says so to listeners', async () => {
    await fp.pipeline.deleteApp('shop');
    expect(fp.store.domains.list()).toEqual([]);
    expect(events.at(-1)).toEqual({ type: 'domain', app: 'shop', environment: 'prod', domain: 'shop.example.com', change: 'removed' });
  });
});
