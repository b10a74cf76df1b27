// Retention as people see it, over the real web app and pipeline (fake engine) with small limits: disk use in
// GET /api/apps/:name, on the app's settings page and (the total) on the about page; a removed log says so in the
// API and on its page; the rollback page says a release whose image was removed is built again first.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInCookie } from '../../helpers/sign-in.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { serveWebApp, stopWebApp } from '../../helpers/serve-web-app.js';

const TOKEN = 'retention-test-admin-token-0123456789';
let fp: FakePipeline;
let server: Server;
let base: string;
let cookie: string;

const api = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}`, ...headers } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};
const page = async (path: string) => {
  const res = await fetch(`${base}${path}`, { headers: { cookie } });
  expect(res.status, path).toBe(200);
  return res.text();
};
/** A page's text without tags and with spaces collapsed: what a person reads. */
const words = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/&#39;/g, "'");

beforeAll(async () => {
  fp = await createFakePipeline({ env: { SLIPWAY_ADMIN_TOKEN: TOKEN, SLIPWAY_KEEP_BUILDS: '1', SLIPWAY_KEEP_RELEASES: '0', SLIPWAY_KEEP_LOGS: '2' } });
  ({ server, base } = await serveWebApp(fp));
  await fp.createApp('shop', 'static-site');
  await fp.pipeline.publish('shop', { by: 'test', waitMs: 5000 }); // v1
  for (let i = 0; i < 3; i++) await (await fp.push('shop')).done;
  await fp.pipeline.publish('shop', { by: 'test', waitMs: 5000 }); // v2
  await fp.pipeline.retention.run('shop');
  await fp.createApp('blog', 'static-site');
  cookie = await signInCookie(base, new URL(fp.config.publicUrl).origin, TOKEN);
});

afterAll(async () => {
  await stopWebApp(server, fp);
});

describe('disk use', () => {
  it('is in GET /api/apps/:name: repo, images and logs', async () => {
    const res = await api('/api/apps/shop');
    expect(res.status).toBe(200);
    const use = JSON.parse(res.text).app.diskUse;
    // What preview and production run (one commit: v2 is preview's commit); the fake engine sizes each at 1000 bytes.
    expect(use).toMatchObject({ imageCount: 1, imageBytes: 1000 });
    expect(use.repoBytes).toBeGreaterThan(0);
    expect(use.logCount).toBeGreaterThan(0);
    expect(use.totalBytes).toBe(use.repoBytes + use.imageBytes + use.logBytes);
  });

  it('is on the app’s settings page and, summed over every app, on the about page', async () => {
    const settings = words(await page('/apps/shop/settings'));
    expect(settings).toMatch(/Disk use .* Repository .* Images 1 image .* Logs \d+ logs .* Total/);
    const about = words(await page('/about'));
    expect(about).toMatch(/What the 2 apps take on this machine/);
    expect(about).toMatch(/Images 2 images 2.0 KiB/);
    expect(about).toMatch(/of the 0 newest releases besides the one production runs \( ?SLIPWAY_KEEP_RELEASES ?\) and of the 1 newest builds/);
  });
});

describe('what retention removed', () => {
  it('a removed log says so in the API, as plain text and as a stream, and on its page', async () => {
    const old = fp.store.builds.list('shop').at(-1)!;
    expect(old.logRemovedAt).not.toBeNull();
    const note = /^This log was removed by retention on \d{4}-\d\d-\d\d: Slipway keeps the 2 newest logs of each kind per app \(SLIPWAY_KEEP_LOGS\)/;
    expect((await api(`/api/builds/${old.id}/log`)).text).toMatch(note);
    const stream = await api(`/api/builds/${old.id}/log`, { accept: 'text/event-stream' });
    expect(stream.text).toMatch(/event: line\ndata: \{"line":"This log was removed by retention/);
    expect(stream.text).toContain('event: end');
    const build = JSON.parse((await api(`/api/builds/${old.id}`)).text).build;
    expect(build.logRemovedAt).toBe(old.logRemovedAt);
    expect(words(await page(`/apps/shop/builds/${old.id}`))).toMatch(/This log was removed by retention on/);
  });

  it('the rollback page says the release whose image was removed is built again first', async () => {
    const html = words(await page('/apps/shop/rollback'));
    expect(html).toContain('The image of v1 was removed by retention, so it is built again first; production keeps running v2 until v1 is built and healthy.');
    expect(html).toContain('Roll back production to v1');
    expect(html).toMatch(/v1 .*image removed: built again on rollback/);
  });
});
