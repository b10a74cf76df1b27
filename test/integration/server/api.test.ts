// The JSON API: authentication, apps, errors.
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually } from '../../helpers/app-http.js';
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

  it('gives one of two concurrent creates of a name 201 and the other 409, and the app stays whole', async () => {
    const names = ['twin-a', 'twin-b', 'twin-c', 'twin-d'];
    const answers = await Promise.all(names.flatMap((name) => [0, 1].map(() => server.api('POST', '/api/apps', { name, template: 'static-site' }))));
    for (const [i, name] of names.entries()) {
      const pair = answers.slice(i * 2, i * 2 + 2);
      expect(pair.map((a) => a.status).sort(), JSON.stringify(pair.map((a) => a.body))).toEqual([201, 409]);
      const loser = pair.find((a) => a.status === 409)!;
      expect(loser.body.error.code).toBe('APP_EXISTS');
      expect(JSON.stringify(loser.body)).not.toContain(server.dataDir);
      const winner = pair.find((a) => a.status === 201)!;
      expect((await server.api('GET', `/api/apps/${name}`)).status).toBe(200);
      expect(fs.readFileSync(join(server.dataDir, 'repos', `${name}.git`, 'refs', 'heads', 'main'), 'utf8').trim()).toBe(winner.body.app.commit);
      expect((await server.api('DELETE', `/api/apps/${name}`)).status).toBe(204);
    }
  });

  it('deletes only apps: a name that is no app’s, an encoded ../ included, removes nothing', async () => {
    const parent = fs.mkdtempSync(join(tmpdir(), 'slipway-decoy-'));
    const decoy = join(parent, 'victim.git');
    fs.mkdirSync(decoy);
    fs.writeFileSync(join(decoy, 'keep.txt'), 'not Slipway’s\n');
    const stray = join(server.dataDir, 'repos', 'stray.git');
    fs.mkdirSync(stray, { recursive: true });
    const escape = relative(join(server.dataDir, 'repos'), join(parent, 'victim')); // ../../slipway-decoy-…/victim
    expect(escape.startsWith('..')).toBe(true);
    try {
      for (const name of [encodeURIComponent(escape), escape.split('/').map(encodeURIComponent).join('%2f'), 'stray']) {
        const res = await server.api('DELETE', `/api/apps/${name}`);
        expect([400, 404], `${name}: ${JSON.stringify(res.body)}`).toContain(res.status);
      }
      expect(fs.readFileSync(join(decoy, 'keep.txt'), 'utf8')).toBe('not Slipway’s\n');
      expect(fs.existsSync(stray)).toBe(true);
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
      fs.rmSync(stray, { recursive: true, force: true });
    }
  });

  it('says 405 with the methods a path answers, and 415 for a body that is not JSON', async () => {
    const put = await server.api('PUT', '/api/apps', { name: 'x' });
    expect(put.status).toBe(405);
    expect(put.body.error).toMatchObject({ code: 'METHOD_NOT_ALLOWED', message: expect.stringMatching(/method not allowed.*GET.*POST/i) });
    const options = await fetch(`${server.url}/api/apps`, { method: 'OPTIONS', headers: { authorization: `Bearer ${server.token}` } });
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'HEAD, GET, POST']);
    const res = await fetch(`${server.url}/api/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=form-app&template=static-site',
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await server.api('GET', '/api/apps/form-app')).status).toBe(404);
    expect((await server.api('GET', '/api/nothing/here')).body.error.code).toBe('NOT_FOUND');
  });

  it('answers a failure on the server with a request id, never its details; the log has them under that id', async () => {
    expect((await server.api('POST', '/api/apps', { name: 'broken', template: 'static-site' })).status).toBe(201);
    const gitdir = join(server.dataDir, 'repos', 'broken.git');
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    fs.renameSync(gitdir, `${gitdir}.away`);
    let res;
    try {
      res = await server.api('GET', '/api/apps/broken/environments');
    } finally {
      fs.renameSync(`${gitdir}.away`, gitdir);
      spy.mockRestore();
    }
    expect(res.status).toBe(500);
    const { code, message, requestId } = res.body.error;
    expect(code).not.toBe('NOT_FOUND');
    expect(requestId).toMatch(/^req_/);
    expect(message).toContain(requestId);
    expect(JSON.stringify(res.body)).not.toMatch(new RegExp(`${server.dataDir}|fatal|stderr|git `));
    expect(written.join('')).toContain(requestId);
  });

  it('shows builds and deployments with the URL of their log, never a path on the server', async () => {
    expect((await server.api('POST', '/api/apps', { name: 'records', template: 'static-site' })).status).toBe(201);
    const builds = await eventually(
      async () => {
        const b = (await server.api('GET', '/api/apps/records/builds')).body.builds;
        return b.length > 0 ? b : null;
      },
      60_000,
      'a build record',
    );
    const deployments = (await server.api('GET', '/api/apps/records/deployments')).body.deployments;
    expect(deployments.length).toBeGreaterThan(0);
    const one = (await server.api('GET', `/api/builds/${builds[0].id}`)).body;
    for (const body of [builds, deployments, one]) {
      expect(JSON.stringify(body)).not.toContain(server.dataDir);
      expect(JSON.stringify(body)).not.toContain('logPath');
    }
    expect(builds[0].logUrl).toBe(`/api/builds/${builds[0].id}/log`);
    expect(deployments[0].logUrl).toBe(`/api/deployments/${deployments[0].id}/log`);
    const log = await fetch(`${server.url}${deployments[0].logUrl}`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(log.status).toBe(200);
  });
});
