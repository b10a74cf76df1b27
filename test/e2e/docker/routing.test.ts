// Slipway's Host-header proxy on its own port, against real containers: APP-preview.localhost:PORT reaches the
// preview container and APP.localhost:PORT production, X-Forwarded-* reach the app, WebSockets cross it, an
// environment with nothing deployed answers a clear 502 page, and other hosts get Slipway itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { removeAppFromDocker, uniqueAppName } from '../../helpers/e2e-docker.js';
import { cloneApp, wsAppFiles, type Clone } from '../../helpers/e2e-git.js';
import { websocketRoundTrip } from '../../helpers/e2e-websocket.js';
import { git } from '../../helpers/git-cli.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const app = uniqueAppName('route');

let server: TestServer;
let clone: Clone;
let previewHost: string;
let prodHost: string;
let released: string;
let previewCommit: string;

beforeAll(async () => {
  server = await startTestServer();
  previewHost = `${app}-preview.localhost:${server.port}`;
  prodHost = `${app}.localhost:${server.port}`;
  expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
  clone = await cloneApp(server.gitUrl(app));
}, 60_000);

afterAll(async () => {
  try {
    await server?.stop();
  } finally {
    clone?.remove();
    await removeAppFromDocker(app);
  }
});

describe('the Host-header proxy', () => {
  it('answers a clear 502 page for an environment with nothing deployed', { timeout: 90_000 }, async () => {
    // The first commit goes live on preview by itself; production has never been published.
    await eventually(async () => (await getViaProxy(server.port, previewHost)).status === 200, 60_000, 'the first preview');
    const prod = await getViaProxy(server.port, prodHost);
    expect(prod.status).toBe(502);
    expect(prod.headers['content-type']).toMatch(/^text\/html/);
    expect(prod.body).toContain('Nothing is deployed here yet');
    expect(prod.body).toContain(app);
  });

  it('sends APP-preview.localhost:PORT to preview and APP.localhost:PORT to production', { timeout: 120_000 }, async () => {
    released = await clone.commit(wsAppFiles(clone, 'first greeting'), 'Replace the site with the ws-app');
    const first = await clone.push('origin', 'main');
    expect(first.output).toMatch(new RegExp(`remote: preview is live: http://${previewHost}/`));
    expect((await git(['tag', 'v1'], { cwd: clone.dir })).code).toBe(0);
    const tagged = await clone.push('origin', 'v1');
    expect(tagged.output).toMatch(new RegExp(`remote: production is live: http://${prodHost}/`));
    previewCommit = await clone.commit({ 'slipway.yaml': wsAppFiles(clone, 'second greeting')['slipway.yaml']! }, 'A second greeting');
    const second = await clone.push('origin', 'main');
    expect(second.output).toMatch(/remote: preview is live: /);

    const preview = await getViaProxy(server.port, previewHost);
    expect(preview).toMatchObject({ status: 200, body: `ws-app env=preview commit=${previewCommit.slice(0, 12)} greeting=second greeting\n` });
    const prod = await getViaProxy(server.port, prodHost);
    expect(prod).toMatchObject({ status: 200, body: `ws-app env=prod commit=${released.slice(0, 12)} greeting=first greeting\n` });
    // Host names are case-insensitive, and the port may be left out (a proxy in front, port 80).
    expect((await getViaProxy(server.port, previewHost.toUpperCase())).body).toContain('env=preview');
    expect((await getViaProxy(server.port, `${app}.localhost`)).body).toContain('env=prod');
  });

  it('passes X-Forwarded-Host, -For, -Proto and -Port to the app', async () => {
    const res = await getViaProxy(server.port, previewHost, '/headers');
    expect(res.status).toBe(200);
    const headers = JSON.parse(res.body) as Record<string, string>;
    expect(headers).toMatchObject({
      host: expect.any(String),
      'x-forwarded-host': previewHost,
      'x-forwarded-proto': 'http',
      'x-forwarded-port': String(server.port),
    });
    expect(headers['x-forwarded-for']).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    // Forwarding headers a client makes up do not reach the app: Slipway is the edge.
    const spoofed = JSON.parse(
      (await getViaProxy(server.port, previewHost, '/headers', { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.example' })).body,
    ) as Record<string, string>;
    expect(spoofed['x-forwarded-for']).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    expect(spoofed['x-forwarded-host']).toBe(previewHost);
  });

  it('carries WebSockets to the right environment', async () => {
    const preview = await websocketRoundTrip(server.port, previewHost, '/ws', 'hello through slipway');
    expect(preview.reply).toBe('echo: hello through slipway');
    const prod = await websocketRoundTrip(server.port, prodHost, '/ws', 'x'.repeat(1000));
    expect(prod.reply).toBe(`echo: ${'x'.repeat(1000)}`);
    // No WebSocket to an app that does not exist: the connection is closed, nothing is proxied.
    await expect(websocketRoundTrip(server.port, `no-such-app-preview.localhost:${server.port}`, '/ws', 'hi', 3000)).rejects.toThrow();
  });

  it('lets hosts that name no app reach Slipway itself, not an app', async () => {
    // /healthz is Slipway's own on its hosts; on an app's host it is the app's path (ws-app has none: 404).
    expect((await getViaProxy(server.port, previewHost, '/healthz')).body).toBe('not found\n');
    for (const host of [`no-such-app-preview.localhost:${server.port}`, `no-such-app.localhost:${server.port}`, `127.0.0.1:${server.port}`, 'example.com']) {
      const health = await getViaProxy(server.port, host, '/healthz');
      expect(health, host).toMatchObject({ status: 200 });
      expect(JSON.parse(health.body), host).toEqual({ status: 'ok' });
      const root = await getViaProxy(server.port, host, '/');
      expect([200, 302, 303, 404], host).toContain(root.status);
      expect(root.body, host).not.toMatch(/ws-app|Nothing is deployed/);
    }
    const apps = await getViaProxy(server.port, `no-such-app-preview.localhost:${server.port}`, '/api/apps', { authorization: `Bearer ${server.token}` });
    expect(apps.status).toBe(200);
    expect(JSON.parse(apps.body).apps.map((a: { name: string }) => a.name)).toContain(app);
  });
});
