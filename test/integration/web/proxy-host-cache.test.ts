// The proxy's fast path keeps which app a Host header names for HOST_ROUTE_TTL_MS (src/runtime/proxy/create-app-proxy.ts):
// the real web app with the proxy in front, the fake pipeline (no Docker), an upstream on 127.0.0.1, and a second
// connection to the same database standing in for the CLI in another process. What a user notices: a domain added
// by the CLI is served at once, one removed by the CLI stops being served within the time to live, a change this
// process makes is followed at once, and an app deleted stops being served at once.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppProxy, HOST_ROUTE_TTL_MS, withAppProxy, type AppProxy } from '../../../src/runtime/proxy/create-app-proxy.js';
import { createLogger } from '../../../src/shared/log.js';
import { createStore, databasePath, type Store } from '../../../src/store/create-store.js';
import { createWebApp } from '../../../src/web/create-web-app.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';

let fp: FakePipeline;
let cli: Store;
let server: Server;
let upstream: Server;
let port: number;
let proxy: AppProxy;
/** The forwarding headers of the last request the app got. */
let lastForwarded: Record<string, string | string[] | undefined> = {};

async function listen(s: Server): Promise<number> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.address() as AddressInfo).port;
}

function viaHost(host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, headers: { host: `${host}:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** How long until `host` stops reaching the app (ms), asked every 25 ms for up to 3 s. */
async function msUntilNotServed(host: string): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < 3000) {
    if (!(await viaHost(host)).body.startsWith('hello from the app')) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${host} was still served after 3 s`);
}

beforeAll(async () => {
  fp = await createFakePipeline();
  cli = createStore(databasePath(fp.dataDir));
  upstream = createServer((req, res) => {
    lastForwarded = { for: req.headers['x-forwarded-for'], host: req.headers['x-forwarded-host'], forwarded: req.headers.forwarded };
    res.end(`hello from the app at ${req.headers.host}\n`);
  });
  const upstreamPort = await listen(upstream);
  proxy = createAppProxy({
    environments: fp.config.environments,
    domain: fp.config.domain,
    appExists: (name) => fp.store.apps.get(name) !== undefined,
    routeForDomain: (host) => fp.store.domains.get(host),
    route: (app) => (fp.store.apps.get(app) ? { host: '127.0.0.1', port: upstreamPort } : null),
    log: createLogger('silent'),
  });
  const app = createWebApp({ pipeline: fp.pipeline, before: [proxy.middleware], hookSecret: 'unused', hookEnv: () => ({}), strictViews: true });
  server = createServer(withAppProxy(proxy, app.callback()));
  port = await listen(server);
  await fp.createApp('shop', 'static-site');
  await fp.createApp('blog', 'static-site');
});

afterAll(async () => {
  proxy?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await new Promise((resolve) => upstream?.close(resolve));
  cli?.close();
  await fp?.dispose();
});

describe("the proxy's cached hosts", () => {
  it('serve a domain the CLI added at once, and stop within the time to live once the CLI removed it', async () => {
    expect((await viaHost('shop.example.com')).status).toBe(303); // the UI's sign-in: no app answers there
    cli.domains.add({ domain: 'shop.example.com', app: 'shop', environment: 'preview', createdAt: new Date().toISOString() });
    expect(await viaHost('shop.example.com')).toEqual({ status: 200, body: 'hello from the app at shop.example.com:' + port + '\n' });
    cli.domains.remove('shop.example.com');
    const took = await msUntilNotServed('shop.example.com');
    expect(took).toBeLessThan(HOST_ROUTE_TTL_MS + 500);
    expect((await viaHost('shop.example.com')).status).toBe(303);
  });

  it('follow a change made in this process at once (forget)', async () => {
    cli.domains.add({ domain: 'blog.example.com', app: 'blog', environment: 'preview', createdAt: new Date().toISOString() });
    expect((await viaHost('blog.example.com')).status).toBe(200);
    cli.domains.remove('blog.example.com');
    proxy.forget(); // what compose.ts does on this process's domain and deployment events
    expect((await viaHost('blog.example.com')).status).toBe(303);
  });

  it('stop serving an app deleted at once: its route is gone, and what has none is answered from the store', async () => {
    expect((await viaHost('blog-preview.localhost')).status).toBe(200);
    await fp.pipeline.deleteApp('blog');
    expect((await viaHost('blog-preview.localhost')).status).toBe(303);
  });

  it('pass on only the forwarding headers Slipway sets, on the fast path too', async () => {
    const r = await viaHost('shop-preview.localhost', { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.example', forwarded: 'for=6.6.6.6' });
    expect(r.status).toBe(200);
    expect(lastForwarded).toEqual({ for: '127.0.0.1', host: `shop-preview.localhost:${port}`, forwarded: undefined });
  });
});
