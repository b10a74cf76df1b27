// The UI's cross-site guard against the real server: only pages at the configured public URL may post forms. A
// page at another name for this server (DNS rebinding, 127.0.0.1 instead of localhost) is refused, even though
// its Origin matches the Host it addressed.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
let defaults: TestServer;
beforeAll(async () => {
  server = await startTestServer({ SLIPWAY_PUBLIC_URL: 'http://slipway.example' });
  defaults = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
  await defaults?.stop();
});

/** POSTs the sign-in form with these headers (Host included) to the server's loopback address. */
function signIn(headers: Record<string, string>, to: TestServer = server): Promise<number> {
  const body = `token=${encodeURIComponent(to.token)}`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: to.port,
        method: 'POST',
        path: '/sign-in',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('UI origin check', () => {
  it('accepts a form posted from the public URL', async () => {
    const ours = new URL(server.config.publicUrl);
    expect(await signIn({ host: ours.host, origin: ours.origin })).toBe(303);
    expect(await signIn({ host: ours.host, 'sec-fetch-site': 'same-origin' })).toBe(303);
  });

  it('refuses a form whose Origin is only the Host it addressed, not the public URL', async () => {
    const loopback = `127.0.0.1:${server.port}`;
    expect(server.config.publicUrl).not.toBe(`http://${loopback}`);
    expect(await signIn({ host: loopback, origin: `http://${loopback}` })).toBe(403);
    expect(await signIn({ host: 'rebound.example', origin: 'http://rebound.example' })).toBe(403);
    expect(await signIn({ host: 'rebound.example', 'sec-fetch-site': 'same-origin' })).toBe(403);
  });

  it('with no public URL set, accepts the loopback names the server listens on and nothing else', async () => {
    const port = defaults.port;
    expect(defaults.config.publicUrl).toBe(`http://localhost:${port}`);
    expect(await signIn({ host: `localhost:${port}`, origin: `http://localhost:${port}` }, defaults)).toBe(303);
    expect(await signIn({ host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` }, defaults)).toBe(303);
    expect(await signIn({ host: 'rebound.example', origin: 'http://rebound.example' }, defaults)).toBe(403);
    expect(await signIn({ host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port + 1}` }, defaults)).toBe(403);
  });
});
