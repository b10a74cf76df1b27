// People, tokens and the audit log through the API and the UI, over the real web app and pipeline (fake engine):
// a token's value is shown once, expires, records its last use (time and address) and stops at revocation; a
// one-time sign-in link works once; what a person may not do is not shown; every change is in the audit log with
// the right person, token and address, filterable and paged; old entries go with retention.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../../src/domain/actor.js';
import { createPeopleFixture, type PeopleFixture, type Who } from '../../helpers/people-fixture.js';

let f: PeopleFixture;

beforeAll(async () => {
  // A key that reaches nothing on loopback: generations start (and are recorded), then fail, as they would offline.
  f = await createPeopleFixture(['shop'], {
    env: { ANTHROPIC_API_KEY: 'sk-test-not-used', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', SLIPWAY_ANTHROPIC_MAX_RETRIES: '0' },
  });
}, 120_000);
afterAll(() => f?.close());

const api = async (who: Who | string, method: string, path: string, body?: unknown) => {
  const token = (f.token as Record<string, string>)[who] ?? who;
  const res = await fetch(`${f.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
};
const page = async (who: Who, path: string) => (await fetch(`${f.base}${path}`, { headers: { cookie: f.cookie[who] }, redirect: 'manual' })).text();

describe('tokens', () => {
  it('a person makes a token of their own: shown once, narrowed, expiring; its last use is recorded; revoked, it stops', async () => {
    const made = await api('developer', 'POST', '/api/tokens', { name: 'ci', scopes: ['git:push'], expiresDays: 7, app: 'shop' });
    expect(made.status).toBe(201);
    expect(made.body.token).toMatch(/^slw_/);
    expect(made.body.record).toMatchObject({ name: 'ci', app: 'shop', scopes: ['git:push'], lastUsedAt: null });
    expect(Date.parse(made.body.record.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const listed = await api('developer', 'GET', '/api/tokens');
    expect(JSON.stringify(listed.body)).not.toContain(made.body.token);
    // A git-only token may not use the API; the attempt still counts as a use, from this address.
    expect((await api(made.body.token, 'GET', '/api/apps')).status).toBe(403);
    const used = (await api('developer', 'GET', '/api/tokens')).body.tokens.find((t: { name: string }) => t.name === 'ci');
    expect(used).toMatchObject({ lastUsedFrom: '127.0.0.1', lastUsedAt: expect.any(String) });
    expect((await api('developer', 'DELETE', '/api/tokens/ci')).status).toBe(204);
    expect((await api(made.body.token, 'GET', '/api/me')).status).toBe(401);
  });

  it('a token for an app its person cannot see is refused as if the app did not exist; names are unique per person', async () => {
    expect((await api('outsider', 'POST', '/api/tokens', { name: 'peek', app: 'shop' })).status).toBe(404);
    expect((await api('viewer', 'POST', '/api/tokens', { name: 'viewer-laptop' })).status).toBe(409);
    expect((await api('viewer', 'POST', '/api/tokens', { name: 'x', scopes: ['root'] })).body.error.message).toMatch(/unknown scope "root"/);
  });

  it('an expired token neither works nor signs in', async () => {
    const person = f.fp.pipeline.people.find('viewer');
    f.fp.store.tokens.add({ name: 'old', personId: person.id, expiresAt: new Date(Date.now() - 1000).toISOString() }, 'slw_expired-token-value-0123456789');
    expect((await api('slw_expired-token-value-0123456789', 'GET', '/api/me')).status).toBe(401);
    const res = await fetch(`${f.base}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: f.origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=slw_expired-token-value-0123456789',
    });
    expect(res.status).toBe(401);
  });

  it('an admin manages people, roles and their tokens; the last admin cannot be removed', async () => {
    const added = await api('admin', 'POST', '/api/people', { name: 'Dana', email: 'dana@example.com' });
    expect(added.status).toBe(201);
    expect((await api('admin', 'PUT', '/api/people/Dana/roles/shop', { role: 'developer' })).body).toMatchObject({ role: 'developer', before: null });
    const t = await api('admin', 'POST', '/api/people/Dana/tokens', { name: 'laptop' });
    expect((await api(t.body.token, 'GET', '/api/me')).body).toMatchObject({
      person: { name: 'Dana', admin: false },
      roles: [{ app: 'shop', role: 'developer' }],
    });
    expect((await api('admin', 'DELETE', '/api/people/Dana/roles/shop')).status).toBe(204);
    expect((await api(t.body.token, 'GET', '/api/apps/shop')).status).toBe(404);
    expect((await api('admin', 'DELETE', '/api/people/Dana')).status).toBe(204);
    expect((await api(t.body.token, 'GET', '/api/me')).status).toBe(401);
    expect((await api('admin', 'DELETE', '/api/people/admin')).status).toBe(409);
  });
});

describe('one-time sign-in links', () => {
  it('works once, by the POST of its page (a link preview does not use it up); the second use is refused', async () => {
    const made = await api('admin', 'POST', '/api/people/releaser/sign-in-link', {});
    expect(made.status).toBe(201);
    const secret = new URL(made.body.url).pathname.split('/').pop()!;
    expect((await fetch(made.body.url.replace(f.fp.config.publicUrl, f.base))).status).toBe(200);
    const use = () =>
      fetch(`${f.base}/sign-in/link`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: f.origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ link: secret }).toString(),
      });
    const first = await use();
    expect(first.status).toBe(303);
    const cookie = first.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    expect(await (await fetch(`${f.base}/`, { headers: { cookie } })).text()).toContain('signed in as releaser');
    expect((await use()).status).toBe(401);
  });
});

describe('what a person may not do is not shown', () => {
  it('Publish and Roll back only for releasers; secrets forms by environment; New app and Audit only for admins', async () => {
    const dev = await page('developer', '/apps/shop');
    expect(dev).not.toContain('/apps/shop/publish');
    expect(dev).toContain('describe-form');
    expect(await page('releaser', '/apps/shop')).toContain('href="/apps/shop/publish"');
    expect(await page('viewer', '/apps/shop')).not.toContain('describe-form');

    const settings = await page('developer', '/apps/shop/settings');
    expect(settings).toContain('Save secret for preview');
    expect(settings).not.toContain('Save secret for production');
    expect(settings).not.toContain('Delete shop');
    expect(await page('releaser', '/apps/shop/settings')).toContain('Save secret for production');
    expect(await page('viewer', '/apps/shop/settings')).not.toContain('Save secret');

    const home = await page('developer', '/');
    expect(home).not.toContain('href="/new-app"');
    expect(home).not.toContain('href="/audit"');
    expect(await page('admin', '/')).toContain('href="/audit"');
    // An app you have no role on is not in your list, nor in the API's.
    expect(await page('outsider', '/')).not.toContain('/apps/shop');
    expect((await api('outsider', 'GET', '/api/apps')).body.apps.map((a: { name: string }) => a.name)).toEqual(['other']);
  });
});

describe('the audit log', () => {
  it('records every change with the right person, token and address; filters by app, person, action and time; pages', async () => {
    const since = new Date().toISOString();
    expect((await api('admin', 'POST', '/api/apps', { name: 'blog', template: 'static-site' })).status).toBe(201);
    f.fp.pipeline.people.grant('releaser', 'blog', 'releaser', CLI_ACTOR);
    await f.fp.pass('blog');
    expect((await api('developer', 'PUT', '/api/apps/shop/secrets/preview/API_KEY', { value: 'secret-value' })).status).toBe(204);
    expect((await api('developer', 'DELETE', '/api/apps/shop/secrets/preview/API_KEY')).status).toBe(204);
    expect((await api('developer', 'POST', '/api/apps/shop/generations', { prompt: 'make it blue' })).status).toBe(202);
    expect((await api('releaser', 'POST', '/api/apps/blog/publish', {})).status).toBe(200);
    await (
      await f.fp.push('blog')
    ).done;
    expect((await api('releaser', 'POST', '/api/apps/blog/publish', {})).status).toBe(200);
    expect((await api('releaser', 'POST', '/api/apps/blog/rollback', {})).status).toBe(200);
    expect((await api('admin', 'POST', '/api/people', { name: 'Eve' })).status).toBe(201);
    expect((await api('admin', 'PUT', '/api/people/Eve/roles/blog', { role: 'viewer' })).status).toBe(200);
    await fetch(`${f.base}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: f.origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=wrong',
    });
    expect((await api('admin', 'DELETE', '/api/apps/blog')).status).toBe(204);

    const all = (await api('admin', 'GET', `/api/audit?since=${encodeURIComponent(since)}&limit=500`)).body.entries as Record<string, unknown>[];
    const find = (action: string, more: Record<string, unknown> = {}) =>
      all.find((e) => e.action === action && Object.entries(more).every(([k, v]) => e[k] === v));
    const by = (person: string, token: string) => ({ person, token, address: '127.0.0.1' });
    expect(find('app.created', { app: 'blog' })).toMatchObject(by('admin', 'admin-laptop'));
    expect(find('secret.set', { app: 'shop' })).toMatchObject({ ...by('developer', 'developer-laptop'), target: 'preview/API_KEY' });
    expect(JSON.stringify(all)).not.toContain('secret-value');
    expect(find('secret.removed', { app: 'shop' })).toMatchObject(by('developer', 'developer-laptop'));
    expect(find('generation', { app: 'shop' })).toMatchObject({ ...by('developer', 'developer-laptop'), detail: { prompt: 'make it blue' } });
    expect(all.filter((e) => e.action === 'publish' && e.app === 'blog').map((e) => e.target)).toEqual(['v2', 'v1']);
    expect(find('publish', { app: 'blog' })).toMatchObject(by('releaser', 'releaser-laptop'));
    expect(find('rollback', { app: 'blog' })).toMatchObject({ ...by('releaser', 'releaser-laptop'), target: 'v1' });
    expect(find('person.created', { target: 'Eve' })).toMatchObject(by('admin', 'admin-laptop'));
    expect(find('role.granted', { target: 'Eve' })).toMatchObject({ app: 'blog', detail: { role: 'viewer', before: null } });
    expect(find('sign-in.failed')).toMatchObject({ person: 'unknown', address: '127.0.0.1' });
    expect(find('app.deleted', { app: 'blog' })).toMatchObject(by('admin', 'admin-laptop'));
    // Made at setup: tokens and sign-ins of every person.
    const early = (await api('admin', 'GET', '/api/audit?action=token.&person=developer')).body.entries;
    expect(early.map((e: { action: string }) => e.action)).toContain('token.created');
    expect((await api('admin', 'GET', '/api/audit?action=sign-in&person=viewer')).body.entries[0]).toMatchObject({ person: 'viewer', token: 'viewer-laptop' });

    // Filters and pages.
    const blog = (await api('admin', 'GET', '/api/audit?app=blog&action=publish')).body.entries;
    expect(blog.every((e: { app: string; action: string }) => e.app === 'blog' && e.action === 'publish')).toBe(true);
    const first = (await api('admin', 'GET', '/api/audit?app=blog&limit=1')).body;
    expect(first.entries).toHaveLength(1);
    const second = (await api('admin', 'GET', first.next)).body;
    expect(second.entries[0].id).toBeLessThan(first.entries[0].id);
    expect((await api('admin', 'GET', '/api/audit?until=2000-01-01')).body.entries).toEqual([]);
    expect((await api('admin', 'GET', '/api/audit?since=yesterday')).status).toBe(400);
    expect((await api('admin', 'GET', '/api/audit?person=nobody')).status).toBe(404);

    // The page shows the same, and the history viewer shows who moved each environment.
    const audit = await page('admin', '/audit?app=shop');
    expect(audit).toContain('secret.set');
    expect(audit).not.toContain('secret-value');
  });

  it('the history viewer names who moved each environment', async () => {
    expect((await api('releaser', 'POST', '/api/apps/shop/publish', {})).status).toBe(200);
    const history = await page('viewer', '/apps/shop/history');
    expect(history).toMatch(/data-moves="prod"[\s\S]*?data-move-by="releaser"/);
  });

  it('is append-only, and retention removes entries older than SLIPWAY_KEEP_AUDIT_DAYS', async () => {
    const { store } = f.fp;
    const old = store.audit.append({
      at: '2001-01-01T00:00:00.000Z',
      personId: null,
      person: 'someone',
      token: null,
      address: null,
      action: 'push',
      app: 'shop',
      target: null,
      detail: {},
    });
    expect(() => store.db.prepare("UPDATE audit SET person = 'someone else' WHERE id = ?").run(old.id)).toThrow(/append-only/);
    const before = store.audit.list({ limit: 500 }).entries.length;
    await f.fp.pipeline.retention.run();
    const after = store.audit.list({ limit: 500 }).entries;
    expect(after.some((e) => e.id === old.id)).toBe(false);
    expect(after.length).toBe(before - 1);
  });
});
