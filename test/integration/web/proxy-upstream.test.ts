// Slipway's proxy keeps its connections to an app's container and reuses them (src/runtime/proxy/create-app-proxy.ts):
// the real web app with the proxy in front, the fake pipeline (no Docker) and two small upstreams on 127.0.0.1
// standing in for the container before and after a deploy. What a user notices: every request is answered, a
// client that asks to close its connection gets it closed, and a retired container keeps no connection open.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppProxy, type AppProxy, withAppProxy } from '../../../src/runtime/proxy/create-app-proxy.js';
import { createLogger } from '../../../src/shared/log.js';
import { createWebApp } from '../../../src/web/create-web-app.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';

const IDLE_MS = 400;

/** A stand-in container that answers its name and counts the connections made to it. */
interface Upstream {
  server: Server;
  port: number;
  /** Connections ever accepted, and those open now. */
  accepted: number;
  open: Set<Socket>;
  /** The Connection header of the last request it got. */
  lastConnection: string | undefined;
}

async function listen(s: Server): Promise<number> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.address() as AddressInfo).port;
}

async function startUpstream(name: string): Promise<Upstream> {
  const u = { accepted: 0, open: new Set<Socket>(), lastConnection: undefined } as Omit<Upstream, 'server' | 'port'>;
  const server = createServer((req, res) => {
    u.lastConnection = req.headers.connection;
    res.end(`hello from ${name}\n`);
  });
  server.on('connection', (socket: Socket) => {
    u.accepted += 1;
    u.open.add(socket);
    socket.on('close', () => u.open.delete(socket));
  });
  return Object.assign(u, { server, port: await listen(server) });
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let fp: FakePipeline;
let server: Server;
let port: number;
let proxy: AppProxy;
let target: Upstream | null = null;
const upstreams: Upstream[] = [];

/** A request to the app's preview host through the proxy, on a connection of its own that it asks to close. */
async function get(headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', agent: false, headers: { host: `shop-preview.localhost:${port}`, connection: 'close', ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  fp = await createFakePipeline();
  proxy = createAppProxy({
    environments: fp.config.environments,
    domain: fp.config.domain,
    appExists: (name) => fp.store.apps.get(name) !== undefined,
    route: () => (target ? { host: '127.0.0.1', port: target.port } : null),
    upstreamIdleMs: IDLE_MS,
    log: createLogger('silent'),
  });
  const app = createWebApp({ pipeline: fp.pipeline, before: [proxy.middleware], hookSecret: 'unused', hookEnv: () => ({}), strictViews: true });
  server = createServer(withAppProxy(proxy, app.callback()));
  port = await listen(server);
  await fp.createApp('shop', 'static-site');
});

afterAll(async () => {
  proxy?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  for (const u of upstreams) {
    u.server.closeAllConnections();
    await new Promise((resolve) => u.server.close(resolve));
  }
  await fp?.dispose();
});

describe("the proxy's connections to an app", () => {
  it('carry many requests on one kept connection, while each client that asks to close gets its own closed', async () => {
    const a = await startUpstream('v1');
    upstreams.push(a);
    target = a;
    for (let i = 0; i < 10; i++) {
      const r = await get();
      expect(r.status).toBe(200);
      expect(r.body).toBe('hello from v1\n');
      // The client's wish, not the app's keep-alive: its connection ends with this answer.
      expect(r.headers.connection).toBe('close');
    }
    expect(a.accepted).toBe(1);
    expect(a.lastConnection).toBe('keep-alive');
    expect(proxy.upstreamSockets()).toEqual({ active: 0, idle: 1 });
  });

  it('answer every request when the app closed a kept connection in between (a restart)', async () => {
    const a = upstreams[0]!;
    a.server.closeIdleConnections();
    await until('the app closed its side', () => a.open.size === 0);
    const r = await get();
    expect(r.status).toBe(200);
    expect(r.body).toBe('hello from v1\n');
    expect(a.accepted).toBe(2);
  });

  it('go to the new container after a deploy, and none stays open to the retired one', async () => {
    const a = upstreams[0]!;
    const b = await startUpstream('v2');
    upstreams.push(b);
    expect(a.open.size).toBe(1); // kept from the last request
    target = b; // the deploy switched traffic; the old container serves out its grace period
    const r = await get();
    expect(r.body).toBe('hello from v2\n');
    // Idle connections to the old container are closed after the idle time, though it still runs...
    await until('the retired container has no connection from the proxy', () => a.open.size === 0, IDLE_MS * 10);
    // ...and the new one's too, once idle: nothing is held to an app that gets no traffic.
    await until("the new container's idle connection is closed", () => b.open.size === 0, IDLE_MS * 10);
    expect(proxy.upstreamSockets()).toEqual({ active: 0, idle: 0 });
    const again = await get();
    expect(again.body).toBe('hello from v2\n');
  });

  it('close at once when the retired container stops', async () => {
    const b = upstreams[1]!;
    await get();
    expect(proxy.upstreamSockets().idle).toBe(1);
    // A stopped container closes its connections: the proxy lets go of them without waiting for the idle time.
    b.server.close();
    b.server.closeIdleConnections();
    await until('the proxy dropped the closed connection', () => proxy.upstreamSockets().idle === 0, IDLE_MS / 2);
  });
});
