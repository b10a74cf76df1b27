// A custom domain through Slipway's Host-header proxy, against a real container: once added, a request to
// 127.0.0.1 with that Host reaches the app's environment (any case, with a port or the trailing dot); once removed,
// the host reaches Slipway itself again, never the app. Traffic goes only to 127.0.0.1; names are never resolved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { removeAppFromDocker, uniqueAppName } from '../../helpers/e2e-docker.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const app = uniqueAppName('domain');
const domain = `${app}.example.com`;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
  await eventually(async () => (await getViaProxy(server.port, `${app}-preview.localhost:${server.port}`)).status === 200, 90_000, 'the first preview');
}, 120_000);

afterAll(async () => {
  try {
    await server?.stop();
  } finally {
    await removeAppFromDocker(app);
  }
});

describe('a custom domain', () => {
  it('is not the app before it is added', async () => {
    const before = await getViaProxy(server.port, domain, '/healthz');
    expect(JSON.parse(before.body)).toEqual({ status: 'ok' }); // Slipway's own /healthz: no app has this host
  });

  it('reaches the environment it was added to, and Slipway again once removed', { timeout: 60_000 }, async () => {
    const own = await getViaProxy(server.port, `${app}-preview.localhost:${server.port}`);
    expect(own.status).toBe(200);
    const added = await server.api('POST', `/api/apps/${app}/domains`, { environment: 'preview', domain });
    expect(added.status).toBe(201);
    for (const host of [domain, domain.toUpperCase(), `${domain}:${server.port}`, `${domain}.`]) {
      const res = await getViaProxy(server.port, host);
      expect(res.status, host).toBe(200);
      expect(res.body, host).toBe(own.body);
    }
    // Production has nothing deployed: a domain given to it says so, as its own host does.
    const prodDomain = `www.${domain}`;
    expect((await server.api('POST', `/api/apps/${app}/domains`, { environment: 'prod', domain: prodDomain })).status).toBe(201);
    const prod = await getViaProxy(server.port, prodDomain);
    expect(prod.status).toBe(502);
    expect(prod.body).toContain('Nothing is deployed here yet');

    expect((await server.api('DELETE', `/api/apps/${app}/domains/${domain}`)).status).toBe(204);
    const gone = await getViaProxy(server.port, domain, '/healthz');
    expect(gone.status).toBe(200);
    expect(JSON.parse(gone.body)).toEqual({ status: 'ok' });
    const root = await getViaProxy(server.port, domain, '/');
    expect([302, 303, 404]).toContain(root.status);
    expect(root.body).not.toBe(own.body);
  });
});
