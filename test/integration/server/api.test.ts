// The JSON API: authentication, apps, errors.
import fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describe('API', () => {
  it('serves /healthz without a token', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('needs a bearer token everywhere under /api', async () => {
    for (const [method, path] of [
      ['GET', '/api/apps'],
      ['POST', '/api/apps'],
      ['GET', '/api/apps/x'],
      ['DELETE', '/api/apps/x'],
      ['GET', '/api/nothing'],
    ] as const) {
      const none = await server.api(method, path, method === 'POST' ? {} : undefined, null);
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.body.error.code).toBe('UNAUTHORIZED');
      const wrong = await server.api(method, path, undefined, 'slw_not-a-token');
      expect(wrong.status).toBe(401);
    }
  });

  it('creates, shows, lists and deletes an app', async () => {
    const created = await server.api('POST', '/api/apps', { name: 'shop', template: 'simple-api', description: 'a shop' });
    expect(created.status).toBe(201);
    expect(created.body.app).toMatchObject({
      name: 'shop',
      template: 'simple-api',
      description: 'a shop',
      cloneUrl: `${server.config.publicUrl}/git/shop.git`,
    });
    expect(created.body.app.environments.map((e: { url: string }) => e.url)).toEqual([
      `http://shop-preview.localhost:${server.port}/`,
      `http://shop.localhost:${server.port}/`,
    ]);
    const repo = join(server.dataDir, 'repos', 'shop.git');
    expect(fs.readFileSync(join(repo, 'HEAD'), 'utf8').trim()).toBe('ref: refs/heads/main');
    expect(fs.readFileSync(join(repo, 'config'), 'utf8')).toMatch(/hooksPath = .*\/hooks/);
    expect((await server.api('GET', '/api/apps/shop')).body.app.name).toBe('shop');
    expect((await server.api('GET', '/api/apps')).body.apps.map((a: { name: string }) => a.name)).toContain('shop');
    expect((await server.api('POST', '/api/apps', { name: 'shop', template: 'simple-api' })).status).toBe(409);
    expect((await server.api('DELETE', '/api/apps/shop')).status).toBe(204);
    expect(fs.existsSync(repo)).toBe(false);
    expect((await server.api('GET', '/api/apps/shop')).status).toBe(404);
    expect((await server.api('DELETE', '/api/apps/shop')).status).toBe(404);
  });

  it.each([
    [{ name: 'Bad Name', template: 'static-site' }, 'INVALID_APP_NAME', /lowercase/],
    [{ name: 'api', template: 'static-site' }, 'INVALID_APP_NAME', /reserved/],
    [{ name: 'shop-preview', template: 'static-site' }, 'INVALID_APP_NAME', /-preview/],
    [{ name: 'x'.repeat(41), template: 'static-site' }, 'INVALID_APP_NAME', /at most 40/],
    [{ template: 'static-site' }, 'INVALID_APP_NAME', /required/],
    [{ name: 'ok', template: 'rails' }, 'UNKNOWN_TEMPLATE', /choose one of/],
  ])('refuses %j with 400 and a message', async (body, code, message) => {
    const res = await server.api('POST', '/api/apps', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const res = await fetch(`${server.url}/api/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(res.status).toBe(400);
  });
});
