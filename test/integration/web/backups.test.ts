// Backups through the API and the about page, over the real web app and pipeline (fake engine): made with an admin
// token or from the page, listed with the last attempt, downloaded whole; nothing without a token, no path on the
// server in any answer, and only archive names can be downloaded.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { serveWebApp, stopWebApp } from '../../helpers/serve-web-app.js';
import { signInCookie } from '../../helpers/sign-in.js';

const TOKEN = 'backups-test-admin-token-0123456789';
let fp: FakePipeline;
let server: Server;
let base: string;
let origin: string;
let cookie: string;

const call = async (method: string, path: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => {
  const res = await fetch(`${base}${path}`, { method, headers, redirect: 'manual' });
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, bytes, body: type.includes('json') ? JSON.parse(bytes.toString()) : bytes.toString() };
};

beforeAll(async () => {
  fp = await createFakePipeline({ env: { SLIPWAY_ADMIN_TOKEN: TOKEN } });
  ({ server, base } = await serveWebApp(fp));
  origin = new URL(fp.config.publicUrl).origin;
  await fp.createApp('shop', 'static-site');
  cookie = await signInCookie(base, origin, TOKEN);
});

afterAll(async () => {
  await stopWebApp(server, fp);
});

describe('backups API', () => {
  it('needs a token for everything, and a bearer token to make one', async () => {
    for (const [method, path] of [
      ['GET', '/api/backups'],
      ['POST', '/api/backups'],
      ['GET', '/api/backups/slipway-backup-2026-01-01T00-00-00Z.tar.gz'],
    ] as const)
      expect((await call(method, path, {})).status, `${method} ${path}`).toBe(401);
    // A signed-in page may read, not change: making an archive of every secret takes a bearer token (or the form).
    expect((await call('POST', '/api/backups', { cookie })).status).toBe(401);
  });

  it('makes one, lists it with the last attempt, and serves it whole; never a path on the server', async () => {
    const made = await call('POST', '/api/backups');
    expect(made.status).toBe(201);
    const { backup } = made.body;
    expect(backup).toMatchObject({ name: expect.stringMatching(/^slipway-backup-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.tar\.gz$/), apps: ['shop'] });
    expect(backup.downloadUrl).toBe(`/api/backups/${backup.name}`);
    expect(backup.size).toBeGreaterThan(0);

    const list = await call('GET', '/api/backups');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      backups: [{ name: backup.name, size: backup.size, downloadUrl: backup.downloadUrl }],
      last: { result: 'ok', trigger: 'api', name: backup.name, size: backup.size, apps: 1 },
      lastOk: { result: 'ok', name: backup.name },
      schedule: null,
      nextRun: null,
      keep: 7,
    });
    expect(JSON.stringify(list.body)).not.toContain(fp.dataDir);

    const file = join(fp.config.backup.dir, backup.name);
    for (const headers of [{ authorization: `Bearer ${TOKEN}` }, { cookie }] as Record<string, string>[]) {
      const got = await call('GET', backup.downloadUrl, headers);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('application/gzip');
      expect(got.headers.get('content-disposition')).toBe(`attachment; filename="${backup.name}"`);
      expect(createHash('sha256').update(got.bytes).digest('hex')).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    }
  });

  it('serves archives of the backups folder only, by their names', async () => {
    for (const name of ['slipway.db', '..%2Fslipway.db', '..%2F..%2Fetc%2Fpasswd', 'slipway-backup-1999-01-01T00-00-00Z.tar.gz']) {
      const r = await call('GET', `/api/backups/${name}`);
      expect(r.status, name).toBe(404);
      expect(r.body.error.code).toBe('NOT_FOUND');
    }
  });
});

describe('backups on the about page', () => {
  it('shows the last backup and the archives, and makes one with "Back up now"', async () => {
    const before = await (await fetch(`${base}/about`, { headers: { cookie } })).text();
    expect(before).toContain('<h2 id="backups">Backups</h2>');
    expect(before).toMatch(
      /<dd data-backup-result="ok">\s*<strong class="check-ok">made<\/strong>\s*\d{4}-\d{2}-\d{2} [\d:]+ UTC \(api\), [\d.]+ KiB, took [\d.]+ s/,
    );
    expect(before).toContain('none: set <code>SLIPWAY_BACKUP_SCHEDULE</code>');
    expect(before).toMatch(/<dt data-check="ok">Backups<\/dt>/);

    const refused = await fetch(`${base}/backups`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: 'http://evil.example' } });
    expect(refused.status).toBe(403);
    const posted = await fetch(`${base}/backups`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(posted.status).toBe(303);
    const location = posted.headers.get('location')!;
    const name = /backup=([^#&]+)/.exec(location)![1]!;
    const after = await (await fetch(`${base}${location}`, { headers: { cookie } })).text();
    expect(after).toContain(`Made ${decodeURIComponent(name)}.`);
    expect(after).toContain(`<a href="/api/backups/${name}" download>`);
    expect(after).toMatch(/\(ui\), [\d.]+ KiB, took/);
  });
});
