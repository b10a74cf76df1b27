// Outbound webhooks over the real web app and pipeline (fake engine and build), delivered to a receiving server
// on 127.0.0.1 that the tests allow explicitly (an admin's allowPrivate; private addresses are refused otherwise).
// Signatures are checked with @octokit/webhooks-methods (HMAC-SHA256 over the raw body, `sha256=HEX`).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../../src/web/create-web-app.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { signInCookie } from '../../helpers/sign-in.js';

const TOKEN = 'webhooks-test-admin-token-0123456789';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

/** A receiver: records every request; answers what the test queued (then 200 "ok"). */
function createReceiver() {
  const received: Received[] = [];
  const answers: { status: number; body: string; headers?: Record<string, string> }[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      const a = answers.shift() ?? { status: 200, body: 'ok' };
      res.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers });
      res.end(a.body);
      for (const w of waiters.splice(0)) w();
    });
  });
  return {
    server,
    received,
    answers,
    /** Resolves with the requests matching `pred` once there are `count` of them. */
    async wait(pred: (r: Received) => boolean, count = 1, timeoutMs = 15_000): Promise<Received[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.filter(pred);
        if (found.length >= count) return found;
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${count} webhook request(s); got ${JSON.stringify(received.map((r) => [r.body.type, r.body.data.environment, r.body.data.commit?.slice(0, 7), r.body.attempt, r.body.deliveryId]))}`,
          );
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}

let fp: FakePipeline;
let server: Server;
let base: string;
let receiver: ReturnType<typeof createReceiver>;
let receiverUrl: string;

const api = async (method: string, path: string, body?: unknown, token: string = TOKEN) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

async function until<T>(what: string, read: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startWeb(pipeline: FakePipeline['pipeline']): Promise<void> {
  server = createServer(createWebApp({ pipeline, hookSecret: 'unused-in-this-test', hookEnv: () => ({}), strictViews: true }).callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  receiver = createReceiver();
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hooks/slipway?token=path-secret`;
  fp = await createFakePipeline({
    env: {
      SLIPWAY_ADMIN_TOKEN: TOKEN,
      SLIPWAY_DOMAIN: 'apps.example.net',
      SLIPWAY_PUBLIC_URL: 'http://slipway.example.net',
      SLIPWAY_WEBHOOK_RETRY_SECONDS: '1',
      SLIPWAY_WEBHOOK_MAX_ATTEMPTS: '3',
      SLIPWAY_WEBHOOK_TIMEOUT: '3',
    },
  });
  fp.pipeline.webhooks.start();
  await startWeb(fp.pipeline);
  await fp.createApp('shop', 'static-site');
  await fp.createApp('blog', 'static-site');
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await new Promise((resolve) => receiver?.server.close(resolve));
  await fp?.dispose();
});

describe('refused URLs (SSRF) unless an admin allows them', () => {
  it.each([
    ['loopback', 'http://127.0.0.1:9/x', /127\.0\.0\.1 is a loopback address/],
    ['a private network', 'http://10.1.2.3/x', /10\.1\.2\.3 is a private address/],
    ['IPv6 loopback', 'http://[::1]:8080/x', /::1 is a loopback address/],
    ['a name that resolves to loopback', 'http://localhost:9/x', /localhost resolves to (127\.0\.0\.1|::1), which is a loopback address/],
    ['link-local (cloud metadata)', 'http://169.254.169.254/latest/meta-data', /is a link-local address/],
    ['CGNAT', 'https://100.64.0.1/x', /is a CGNAT/],
    ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]/x', /loopback address/],
    ["Slipway's own app host", 'https://shop.apps.example.net/x', /is served by this Slipway/],
  ])('refuses %s', async (_what, url, message) => {
    const res = await api('POST', '/api/apps/shop/webhooks', { url, events: ['deployment.live'] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('WEBHOOK_URL_REFUSED');
    expect(res.body.error.message).toMatch(message);
    expect(res.body.error.message).toContain('SLIPWAY_WEBHOOKS_ALLOW_PRIVATE');
    expect((await api('GET', '/api/apps/shop/webhooks')).body.webhooks).toEqual([]);
  });

  it('refuses what is not an http(s) URL, unknown events, and credentials in the URL, with the reason', async () => {
    const cases: [unknown, unknown, RegExp][] = [
      ['ftp://example.com/x', undefined, /only http and https/],
      ['not a url', undefined, /is not a URL/],
      ['https://user:pw@example.com/x', undefined, /user name or password/],
      ['https://example.com/x', ['deployment.live', 'coffee.ready'], /"coffee.ready" is not an event/],
      ['https://example.com/x', [], /expected a list of event names/],
    ];
    for (const [url, events, message] of cases) {
      const res = await api('POST', '/api/apps/shop/webhooks', { url, events });
      expect(res.status, String(url)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await api('POST', '/api/apps/shop/webhooks', { url: 'https://example.com', allowPrivate: 'yes' })).status).toBe(400);
    expect((await api('POST', '/api/apps/nope/webhooks', { url: 'https://example.com' })).status).toBe(404);
  });
});

describe('deliveries', () => {
  let hookId: string;
  let secret: string;

  it('makes a hook on an app with its secret shown once, never again', async () => {
    const made = await api('POST', '/api/apps/shop/webhooks', {
      url: receiverUrl,
      events: ['release.published', 'deployment.live', 'deployment.failed'],
      allowPrivate: true,
    });
    expect(made.status).toBe(201);
    expect(made.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(made.body.webhook).toMatchObject({ app: 'shop', url: receiverUrl, allowPrivate: true, createdBy: 'admin' });
    hookId = made.body.webhook.id;
    secret = made.body.secret;
    const listed = await api('GET', '/api/apps/shop/webhooks');
    expect(listed.body.webhooks).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    // Sealed at rest: the database alone does not hold it.
    const row = fp.store.db.prepare('SELECT secret FROM webhooks WHERE id = ?').get(hookId) as { secret: string };
    expect(row.secret).not.toContain(secret.slice(6));
    // Another app's hooks and the global list do not show it.
    expect((await api('GET', '/api/apps/blog/webhooks')).body.webhooks).toEqual([]);
    expect((await api('GET', '/api/webhooks')).body.webhooks).toEqual([]);
    expect((await api('GET', `/api/webhooks/${hookId}/deliveries`)).status).toBe(404);
  });

  it('a publish is delivered, signed over the raw body, with event, delivery and timestamp headers', async () => {
    const result = await fp.pipeline.publish('shop', { by: 'rita' });
    expect(result.deployment.status).toBe('live');
    const [published] = await receiver.wait((r) => r.body.type === 'release.published');
    const [live] = await receiver.wait((r) => r.body.type === 'deployment.live' && r.body.data.environment === 'prod');
    for (const r of [published!, live!]) {
      expect(await verify(secret, r.raw, String(r.headers['x-slipway-signature']))).toBe(true);
      expect(await verify('whsec_another', r.raw, String(r.headers['x-slipway-signature']))).toBe(false);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-slipway-event']).toBe(r.body.type);
      expect(r.headers['x-slipway-event-id']).toBe(r.body.id);
      expect(r.headers['x-slipway-delivery']).toBe(r.body.deliveryId);
      expect(r.headers['x-slipway-timestamp']).toBe(String(r.body.timestamp));
      expect(Math.abs(Date.now() / 1000 - r.body.timestamp)).toBeLessThan(60);
    }
    // A tampered body does not verify.
    expect(await verify(secret, published!.raw.replace('rita', 'mallory'), String(published!.headers['x-slipway-signature']))).toBe(false);
    expect(published!.body).toMatchObject({
      type: 'release.published',
      app: 'shop',
      attempt: 1,
      data: { environment: 'prod', commit: result.commit, tag: 'v1', by: 'rita', previousCommit: null, url: 'http://shop.apps.example.net/' },
    });
    expect(live!.body.data).toMatchObject({ environment: 'prod', commit: result.commit, url: 'http://shop.apps.example.net/' });

    const deliveries = (await api('GET', `/api/apps/shop/webhooks/${hookId}/deliveries`)).body.deliveries;
    const shown = deliveries.find((d: any) => d.id === published!.body.deliveryId);
    expect(shown).toMatchObject({ status: 'succeeded', event: 'release.published', eventId: published!.body.id, lastStatusCode: 200, lastError: null });
    expect(shown.attempts).toEqual([
      { attempt: 1, startedAt: expect.any(String), durationMs: expect.any(Number), statusCode: 200, responseExcerpt: 'ok', error: null },
    ]);
    expect(shown.payload.data.tag).toBe('v1');
  });

  it('a rollback is delivered as release.rolled_back, and an event the hook did not subscribe to is not', async () => {
    await fp.pipeline.publish('shop', { by: 'rita', commit: (await fp.push('shop').then(async (p) => (await p.done, p))).commit });
    const rolled = await fp.pipeline.rollback('shop', { by: 'sam' });
    expect(rolled.deployment.status).toBe('live');
    // Not subscribed: release.rolled_back; the production deployment that follows is.
    await receiver.wait((r) => r.body.type === 'deployment.live' && r.body.data.deploymentId === rolled.deployment.id);
    expect(receiver.received.filter((r) => r.body.type === 'release.rolled_back')).toEqual([]);
  });

  it('a 500 is tried again after the backoff, then succeeds; both attempts are listed with their answers', async () => {
    receiver.answers.push({ status: 500, body: 'boom: the receiver is down' });
    const push = await fp.push('shop');
    await push.done;
    const tries = await receiver.wait((r) => r.body.type === 'deployment.live' && r.body.data.commit === push.commit, 2);
    expect(tries.map((r) => r.body.attempt)).toEqual([1, 2]);
    expect(new Set(tries.map((r) => r.body.id)).size).toBe(1);
    expect(new Set(tries.map((r) => r.body.deliveryId)).size).toBe(1);
    for (const r of tries) expect(await verify(secret, r.raw, String(r.headers['x-slipway-signature']))).toBe(true);
    // The second came after the first retry's wait (SLIPWAY_WEBHOOK_RETRY_SECONDS=1).
    expect(tries[1]!.body.timestamp - tries[0]!.body.timestamp).toBeGreaterThanOrEqual(0);
    const delivery = await until('the delivery to succeed', () => {
      const d = fp.pipeline.webhooks.deliveries('shop', hookId).find((x) => x.id === tries[0]!.body.deliveryId);
      return d?.status === 'succeeded' && d;
    });
    expect(delivery.attemptLog.map((a) => [a.statusCode, a.responseExcerpt])).toEqual([
      [500, 'boom: the receiver is down'],
      [200, 'ok'],
    ]);
    expect(Date.parse(delivery.attemptLog[1]!.startedAt) - Date.parse(delivery.attemptLog[0]!.startedAt)).toBeGreaterThanOrEqual(900);
  });

  it('redelivers by hand: the same event id, a new delivery id, signed again', async () => {
    const first = (await api('GET', `/api/apps/shop/webhooks/${hookId}/deliveries?limit=200`)).body.deliveries.at(-1);
    const before = receiver.received.length;
    const again = await api('POST', `/api/apps/shop/webhooks/${hookId}/deliveries/${first.id}/redeliver`);
    expect(again.status).toBe(201);
    expect(again.body.delivery).toMatchObject({ redeliveryOf: first.id, eventId: first.eventId, status: 'pending' });
    const [r] = await receiver.wait((x) => x.body.deliveryId === again.body.delivery.id);
    expect(receiver.received.length).toBeGreaterThan(before);
    expect(r!.body.id).toBe(first.eventId);
    expect(r!.body.data).toEqual(first.payload.data);
    expect(await verify(secret, r!.raw, String(r!.headers['x-slipway-signature']))).toBe(true);
    await until('the redelivery to be recorded', () => fp.store.webhooks.delivery(again.body.delivery.id)?.status === 'succeeded');
    expect((await api('POST', `/api/apps/shop/webhooks/${hookId}/deliveries/dlv_nope/redeliver`)).status).toBe(404);
    expect((await api('POST', `/api/apps/blog/webhooks/${hookId}/deliveries/${first.id}/redeliver`)).status).toBe(404);
  });

  it('gives up after the last attempt; a 4xx fails at once; neither is retried', async () => {
    receiver.answers.push({ status: 503, body: 'busy' }, { status: 503, body: 'busy' }, { status: 503, body: 'still busy' });
    const push = await fp.push('shop');
    await push.done;
    const tries = await receiver.wait((r) => r.body.type === 'deployment.live' && r.body.data.commit === push.commit, 3);
    const id = tries[0]!.body.deliveryId;
    const d = await until('the delivery to give up', () => {
      const x = fp.store.webhooks.delivery(id);
      return x?.status === 'failed' && x;
    });
    expect(d).toMatchObject({ attempts: 3, lastStatusCode: 503, lastError: 'gave up after 3 attempts', nextAttemptAt: null });

    receiver.answers.push({ status: 410, body: 'gone' });
    const next = await fp.push('shop');
    await next.done;
    const [gone] = await receiver.wait((r) => r.body.type === 'deployment.live' && r.body.data.commit === next.commit);
    const failed = await until('the 410 to be recorded', () => {
      const x = fp.store.webhooks.delivery(gone!.body.deliveryId);
      return x?.status === 'failed' && x;
    });
    expect(failed).toMatchObject({ attempts: 1, lastStatusCode: 410, lastError: 'the receiver answered 410' });
    await new Promise((r) => setTimeout(r, 1300));
    expect(receiver.received.filter((r) => r.body.deliveryId === gone!.body.deliveryId)).toHaveLength(1);
  });

  it('a delivery pending when Slipway stops is sent after the restart', async () => {
    // Retry-After keeps the second attempt for after the restart.
    receiver.answers.push({ status: 502, body: 'bad gateway', headers: { 'retry-after': '3' } });
    const push = await fp.push('shop');
    await push.done;
    const [first] = await receiver.wait((r) => r.body.type === 'deployment.live' && r.body.data.commit === push.commit);
    const id = first!.body.deliveryId;
    await until('the first attempt to be recorded', () => fp.store.webhooks.delivery(id)?.attempts === 1);
    await new Promise((resolve) => server.close(resolve));
    fp = await fp.reopen();
    expect(fp.store.webhooks.delivery(id)).toMatchObject({ status: 'pending', attempts: 1 });
    fp.pipeline.webhooks.start();
    await startWeb(fp.pipeline);
    const tries = await receiver.wait((r) => r.body.deliveryId === id, 2);
    expect(tries.map((r) => r.body.attempt)).toEqual([1, 2]);
    await until('the delivery to succeed after the restart', () => fp.store.webhooks.delivery(id)?.status === 'succeeded');
  });

  it('removing the hook removes its deliveries; nothing more is sent to it', async () => {
    expect((await api('DELETE', `/api/apps/blog/webhooks/${hookId}`)).status).toBe(404);
    expect((await api('DELETE', `/api/apps/shop/webhooks/${hookId}`)).status).toBe(204);
    expect((await api('GET', `/api/apps/shop/webhooks/${hookId}/deliveries`)).status).toBe(404);
    expect((await api('GET', '/api/apps/shop/webhooks')).body.webhooks).toEqual([]);
    const before = receiver.received.length;
    await (
      await fp.push('shop')
    ).done;
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.length).toBe(before);
    expect(fp.logged.join('\n')).not.toContain(secret);
  });
});

describe('global webhooks', () => {
  it('receive every app events of the kinds subscribed (a failed build of any app)', async () => {
    const made = await api('POST', '/api/webhooks', { url: receiverUrl, events: ['build.failed'], allowPrivate: true });
    expect(made.status).toBe(201);
    expect(made.body.webhook.app).toBeNull();
    expect((await api('GET', '/api/webhooks')).body.webhooks.map((h: any) => h.id)).toEqual([made.body.webhook.id]);
    fp.build.next({ fail: 'The command "/bin/sh -c npm ci" returned a non-zero code: 1' });
    const push = await fp.push('blog');
    await push.done;
    const [r] = await receiver.wait((x) => x.body.type === 'build.failed' && x.body.app === 'blog');
    expect(await verify(made.body.secret, r!.raw, String(r!.headers['x-slipway-signature']))).toBe(true);
    expect(r!.body.data).toMatchObject({ commit: push.commit, error: expect.stringContaining('returned a non-zero code') });
    // A global hook is not an app's.
    expect((await api('GET', `/api/apps/blog/webhooks/${made.body.webhook.id}`)).status).toBe(404);
    expect((await api('DELETE', `/api/webhooks/${made.body.webhook.id}`)).status).toBe(204);
  });
});

describe('the webhooks pages', () => {
  const origin = () => new URL(fp.config.publicUrl).origin;
  const form = (cookie: string, path: string, fields: [string, string][]) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: origin(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });

  it("makes a hook from the app's page, shows its secret once, lists deliveries, redelivers and removes", async () => {
    const cookie = await signInCookie(base, origin(), TOKEN);
    const empty = await fetch(`${base}/apps/shop/webhooks`, { headers: { cookie } });
    expect(empty.status).toBe(200);
    const emptyHtml = await empty.text();
    expect(emptyHtml).toContain('No webhooks yet.');
    expect(emptyHtml).toContain('aria-current="page">Webhooks</a>');

    // A refused URL is an error page with the reason; nothing is made.
    const refused = await form(cookie, '/apps/shop/webhooks', [
      ['url', receiverUrl],
      ['events', 'deployment.live'],
    ]);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('127.0.0.1 is a loopback address');

    const made = await form(cookie, '/apps/shop/webhooks', [
      ['url', receiverUrl],
      ['events', 'deployment.live'],
      ['events', 'deployment.failed'],
      ['allowPrivate', 'on'],
    ]);
    expect(made.status).toBe(201);
    const madeHtml = await made.text();
    const secret = /value="(whsec_[A-Za-z0-9_-]+)"/.exec(madeHtml)?.[1];
    expect(secret).toBeDefined();
    expect(madeHtml).toContain('copy its secret now');
    const [hook] = fp.pipeline.webhooks.list('shop');
    expect(hook).toMatchObject({ events: ['deployment.live', 'deployment.failed'], allowPrivate: true });

    const push = await fp.push('shop');
    await push.done;
    const [r] = await receiver.wait((x) => x.body.type === 'deployment.live' && x.body.data.commit === push.commit);
    expect(await verify(secret!, r!.raw, String(r!.headers['x-slipway-signature']))).toBe(true);
    await until('the delivery to be recorded', () => fp.store.webhooks.delivery(r!.body.deliveryId)?.status === 'succeeded');

    const listed = await (await fetch(`${base}/apps/shop/webhooks`, { headers: { cookie } })).text();
    expect(listed).not.toContain(secret!);
    expect(listed).toContain(`data-delivery="${r!.body.deliveryId}"`);
    expect(listed).toContain('data-status="succeeded"');
    expect(listed).toMatch(/<strong>200<\/strong> in \d+ ms/);

    const again = await form(cookie, `/apps/shop/webhooks/${hook!.id}/deliveries/${r!.body.deliveryId}/redeliver`, []);
    expect(again.status).toBe(303);
    await receiver.wait((x) => x.body.id === r!.body.id, 2);

    const removed = await form(cookie, `/apps/shop/webhooks/${hook!.id}/remove`, []);
    expect(removed.status).toBe(303);
    expect(fp.pipeline.webhooks.list('shop')).toEqual([]);
  });

  it('has a global page linked from the about page', async () => {
    const cookie = await signInCookie(base, origin(), TOKEN);
    const about = await (await fetch(`${base}/about`, { headers: { cookie } })).text();
    expect(about).toContain('href="/webhooks"');
    const page = await fetch(`${base}/webhooks`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Global webhooks');
    // Posting from another site is refused by the UI's origin check.
    const forged = await fetch(`${base}/webhooks`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: 'https://evil.example.com', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ url: 'https://example.com/x', allowPrivate: 'on' }).toString(),
    });
    expect(forged.status).toBe(403);
    expect(fp.pipeline.webhooks.list(null)).toEqual([]);
  });
});
