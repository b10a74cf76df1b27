// GET /metrics end to end in-process: the real web app with Slipway's proxy in front (as compose.ts puts it),
// the fake pipeline (no Docker) and a tiny upstream on 127.0.0.1 standing in for the app's container. Requests
// through the proxy move the per-app counters; a push moves the pipeline's; the kept history feeds the app page's
// table and the home card; and only a token reads any of it.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppProxy, withAppProxy } from '../../../src/runtime/proxy/create-app-proxy.js';
import { createLogger } from '../../../src/shared/log.js';
import { createWebApp } from '../../../src/web/create-web-app.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { signInCookie } from '../../helpers/sign-in.js';

const TOKEN = 'metrics-test-admin-token-0123456789';
let fp: FakePipeline;
let server: Server;
let upstream: Server;
let base: string;
let port: number;

async function listen(s: Server): Promise<number> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.address() as AddressInfo).port;
}

async function scrape(token: string | null = TOKEN): Promise<Response> {
  return fetch(`${base}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
}

/** The value of one series in the scraped text (0 when it is not there yet). */
function valueOf(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function metricsText(): Promise<string> {
  const res = await scrape();
  expect(res.status).toBe(200);
  return res.text();
}

/** A request to the app's preview host through Slipway's proxy. */
async function appRequest(path: string, body?: string): Promise<number> {
  // node:http, since fetch does not let a Host header be set.
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', headers: { host: `shop-preview.localhost:${port}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  fp = await createFakePipeline({ env: { SLIPWAY_ADMIN_TOKEN: TOKEN } });
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = req.url === '/broken' ? 500 : 200;
      res.end('hello from the app\n');
    });
  });
  const upstreamPort = await listen(upstream);
  const proxy = createAppProxy({
    environments: fp.config.environments,
    domain: fp.config.domain,
    appExists: (name) => fp.store.apps.get(name) !== undefined,
    route: () => ({ host: '127.0.0.1', port: upstreamPort }),
    observe: fp.pipeline.metrics.traffic,
    log: createLogger('silent'),
  });
  const app = createWebApp({ pipeline: fp.pipeline, before: [proxy.middleware], hookSecret: 'unused', hookEnv: () => ({}), strictViews: true });
  server = createServer(withAppProxy(proxy, app.callback()));
  port = await listen(server);
  base = `http://127.0.0.1:${port}`;
  await fp.createApp('shop', 'static-site');
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await new Promise((resolve) => upstream?.close(resolve));
  await fp?.dispose();
});

describe('GET /metrics', () => {
  it('needs a valid bearer token, and answers only GET', async () => {
    const none = await scrape(null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await scrape('slw_not-a-token')).status).toBe(401);
    const post = await fetch(`${base}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(post.status).toBe(405);
    const ok = await scrape();
    expect(ok.headers.get('content-type')).toContain('text/plain');
    const text = await ok.text();
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('counts requests through the proxy per app and environment: status class, duration, bytes', async () => {
    const labels = 'app="shop",environment="preview"';
    const before = await metricsText();
    for (let i = 0; i < 3; i++) expect(await appRequest('/')).toBe(200);
    expect(await appRequest('/broken', 'x'.repeat(1000))).toBe(500);
    const after = await metricsText();
    expect(
      valueOf(after, `slipway_app_requests_total{${labels},status_class="2xx"}`) - valueOf(before, `slipway_app_requests_total{${labels},status_class="2xx"}`),
    ).toBe(3);
    expect(
      valueOf(after, `slipway_app_requests_total{${labels},status_class="5xx"}`) - valueOf(before, `slipway_app_requests_total{${labels},status_class="5xx"}`),
    ).toBe(1);
    expect(
      valueOf(after, `slipway_app_request_duration_seconds_count{${labels}}`) - valueOf(before, `slipway_app_request_duration_seconds_count{${labels}}`),
    ).toBe(4);
    expect(valueOf(after, `slipway_app_request_bytes_total{${labels}}`) - valueOf(before, `slipway_app_request_bytes_total{${labels}}`)).toBeGreaterThanOrEqual(
      1000,
    );
    expect(valueOf(after, `slipway_app_response_bytes_total{${labels}}`) - valueOf(before, `slipway_app_response_bytes_total{${labels}}`)).toBeGreaterThan(
      4 * 19,
    );
    expect(valueOf(after, 'slipway_app_traffic_measured{runtime="docker"}')).toBe(1);
  });

  it('counts a push, its build in the build histogram, its deployment and its push-to-live time, with no commit in a label', async () => {
    const before = await metricsText();
    const pushed = await fp.push('shop', { files: { 'index.html': '<h1>v2</h1>\n' } });
    await pushed.done;
    const after = await metricsText();
    const delta = (series: string) => valueOf(after, series) - valueOf(before, series);
    expect(delta('slipway_pushes_total{app="shop"}')).toBe(1);
    expect(delta('slipway_builds_total{app="shop",outcome="succeeded"}')).toBe(1);
    expect(delta('slipway_build_duration_seconds_count{app="shop",outcome="succeeded"}')).toBe(1);
    expect(delta('slipway_deployments_total{app="shop",environment="preview",outcome="live"}')).toBe(1);
    expect(delta('slipway_push_to_live_seconds_count{app="shop",environment="preview"}')).toBe(1);
    expect(after).not.toContain(pushed.commit.slice(0, 7));
  });

  it('writes the traffic to the history in a batch, which the app page and the home card show', async () => {
    expect(fp.store.trafficHistory.list('shop', 'preview', 60, 0, Date.now() + 60_000)).toEqual([]); // not per request
    fp.pipeline.metrics.flush();
    const stored = fp.store.trafficHistory.list('shop', 'preview', 60, 0, Date.now() + 60_000);
    expect(stored.reduce((a, p) => a + p.requests, 0)).toBe(4);
    expect(stored.reduce((a, p) => a + p.errors, 0)).toBe(1);

    const cookie = await signInCookie(base, new URL(fp.config.publicUrl).origin, TOKEN);
    const page = await (await fetch(`${base}/apps/shop`, { headers: { cookie } })).text();
    const table = /<table data-traffic-table="preview">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? '';
    const cells = [...table.matchAll(/<td data-col="requests">(\d+)<\/td>/g)].map((m) => Number(m[1]));
    expect(cells).toHaveLength(60); // the last hour, per minute
    expect(cells.reduce((a, b) => a + b, 0)).toBe(4);
    expect(page).toContain('data-chart="p95"');
    expect(page).toMatch(/data-marker="[0-9a-f]{7}"/); // the push's deployment went live within the hour

    const day = await (await fetch(`${base}/apps/shop?range=day`, { headers: { cookie } })).text();
    expect([...day.matchAll(/<table data-traffic-table="preview">[\s\S]*?<\/table>/g)][0]![0].match(/<tr data-start/g)).toHaveLength(144);

    const home = await (await fetch(`${base}/`, { headers: { cookie } })).text();
    expect(home).toMatch(/data-testid="app-card-shop"[\s\S]*?data-requests-total="4"/);
  });
});
