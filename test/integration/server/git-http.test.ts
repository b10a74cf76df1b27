// Git over HTTP against the real server: git CLI and isomorphic-git as clients, hooks, refusals.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs, { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git as gitCli, gitOk } from '../../helpers/git-cli.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
const work = () => mkdtempSync(join(tmpdir(), 'slipway-clone-'));

async function cloneAndCommit(app: string, file: string, content: string | Buffer): Promise<string> {
  const dir = work();
  await gitOk(['clone', '-q', server.gitUrl(app), dir]);
  writeFileSync(join(dir, file), content);
  await gitOk(['add', file], { cwd: dir });
  await gitOk(['commit', '-qm', `change ${file}`], { cwd: dir });
  return dir;
}

function headOf(app: string, ref = 'refs/heads/main'): string {
  return fs.readFileSync(join(server.dataDir, 'repos', `${app}.git`, ref), 'utf8').trim();
}

beforeAll(async () => {
  server = await startTestServer();
  for (const name of ['web', 'big', 'refuse']) {
    const res = await server.api('POST', '/api/apps', { name, template: 'static-site' });
    expect(res.status).toBe(201);
  }
});
afterAll(() => server?.stop());

describe('git over HTTP', () => {
  it('clones with the git CLI and the template is the first commit on main', async () => {
    const dir = work();
    await gitOk(['clone', '-q', server.gitUrl('web'), dir]);
    expect(fs.existsSync(join(dir, 'Dockerfile'))).toBe(true);
    expect(fs.existsSync(join(dir, 'slipway.yaml'))).toBe(true);
    const log = await gitOk(['log', '--format=%an|%s'], { cwd: dir });
    expect(log.stdout.trim()).toBe('Slipway|Create web from the static-site template');
    expect((await gitOk(['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: dir })).stdout.trim()).toBe('main');
  });

  it('pushes a commit; the push shows remote: lines and the ref update is recorded before the push returns', async () => {
    const dir = await cloneAndCommit('web', 'hello.txt', 'hello\n');
    const push = await gitOk(['push', 'origin', 'main'], { cwd: dir });
    const sha = (await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
    expect(push.stderr).toMatch(new RegExp(`remote: main → ${sha.slice(0, 12)}: deploying to preview`));
    // Read right after the push command returned: the row is already committed.
    const rows = server.deps.store.refUpdates.listForApp('web');
    expect(rows[0]).toMatchObject({ ref: 'refs/heads/main', newSha: sha, kind: 'preview', environment: 'preview', pusher: 'admin' });
    expect(headOf('web')).toBe(sha);
  });

  it('pushes a 5 MB file', async () => {
    const dir = await cloneAndCommit('big', 'blob.bin', randomBytes(5 * 1024 * 1024));
    const push = await gitCli(['push', 'origin', 'main'], { cwd: dir });
    expect(push.code, push.stderr).toBe(0);
    const sha = (await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
    expect(headOf('big')).toBe(sha);
    const again = work();
    await gitOk(['clone', '-q', server.gitUrl('big'), again]);
    expect(fs.statSync(join(again, 'blob.bin')).size).toBe(5 * 1024 * 1024);
  });

  it('fetches with protocol v2 and the server answers v2', async () => {
    const dir = work();
    await gitOk(['clone', '-q', server.gitUrl('web'), dir]);
    const fetch = await gitOk(['-c', 'protocol.version=2', 'fetch', 'origin'], { cwd: dir, env: { GIT_TRACE_PACKET: '1' } });
    expect(fetch.stderr).toMatch(/< version 2/);
    const v0 = await gitOk(['-c', 'protocol.version=0', 'ls-remote', server.gitUrl('web')], { env: { GIT_TRACE_PACKET: '1' } });
    expect(v0.stderr).not.toMatch(/< version 2/);
    expect(v0.stdout).toMatch(/refs\/heads\/main/);
  });

  it('clones with isomorphic-git as an independent client', async () => {
    const dir = work();
    await git.clone({
      fs,
      http,
      dir,
      url: `${server.url}/git/web.git`,
      onAuth: () => ({ username: 'iso', password: server.token }),
      singleBranch: true,
      ref: 'main',
    });
    const [commit] = await git.log({ fs, dir, depth: 1 });
    expect(commit?.oid).toBe(headOf('web'));
    expect(fs.existsSync(join(dir, 'hello.txt'))).toBe(true);
  });

  it('pushes with isomorphic-git: it reads the report and the server’s own progress lines', async () => {
    const dir = work();
    const onAuth = () => ({ username: 'iso', password: server.token });
    await git.clone({ fs, http, dir, url: `${server.url}/git/web.git`, onAuth, singleBranch: true, ref: 'main' });
    writeFileSync(join(dir, 'iso.txt'), 'from isomorphic-git\n');
    await git.add({ fs, dir, filepath: 'iso.txt' });
    const sha = await git.commit({ fs, dir, message: 'iso push', author: { name: 'Iso', email: 'iso@example.com' } });
    const messages: string[] = [];
    const result = await git.push({ fs, http, dir, url: `${server.url}/git/web.git`, ref: 'main', onAuth, onMessage: (m) => void messages.push(m) });
    expect(result.ok).toBe(true);
    expect(result.refs['refs/heads/main']).toMatchObject({ ok: true });
    expect(messages.join('')).toContain(`main → ${sha.slice(0, 12)}: deploying to preview`);
    expect(headOf('web')).toBe(sha);
    expect(server.deps.store.refUpdates.listForApp('web')[0]).toMatchObject({ ref: 'refs/heads/main', newSha: sha, pusher: 'admin' });
  });

  it('refuses deleting main with the reason in the push output, and main stays', async () => {
    const dir = work();
    await gitOk(['clone', '-q', server.gitUrl('refuse'), dir]);
    const before = headOf('refuse');
    const push = await gitCli(['push', 'origin', ':main'], { cwd: dir });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/remote: refused refs\/heads\/main: deleting main is not allowed/);
    expect(headOf('refuse')).toBe(before);
  });

  it('refuses tags that are not release names', async () => {
    const dir = work();
    await gitOk(['clone', '-q', server.gitUrl('refuse'), dir]);
    await gitOk(['tag', 'latest'], { cwd: dir });
    const push = await gitCli(['push', 'origin', 'latest'], { cwd: dir });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/tag "latest" is not a release name/);
    expect(fs.existsSync(join(server.dataDir, 'repos', 'refuse.git', 'refs', 'tags', 'latest'))).toBe(false);
  });
});

describe('git authentication', () => {
  const endpoints = [
    { method: 'GET', path: '/info/refs?service=git-upload-pack' },
    { method: 'GET', path: '/info/refs?service=git-receive-pack' },
    { method: 'POST', path: '/git-upload-pack' },
    { method: 'POST', path: '/git-receive-pack' },
  ];
  const basic = (password: string) => `Basic ${Buffer.from(`x:${password}`).toString('base64')}`;

  for (const e of endpoints) {
    it(`answers 401 without a token and with a wrong token: ${e.method} ${e.path}`, async () => {
      for (const headers of [{} as Record<string, string>, { authorization: basic('slw_wrong') }, { authorization: `Bearer ${server.token}` }]) {
        const res = await fetch(`${server.url}/git/web.git${e.path}`, { method: e.method, headers, body: e.method === 'POST' ? '0000' : undefined });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
      }
    });
  }

  it('a hand-made unauthenticated receive-pack that deletes a ref changes nothing', async () => {
    const app = 'web';
    const sha = headOf(app);
    const line = `${sha} ${'0'.repeat(40)} refs/heads/main\0 report-status\n`;
    const pkt = (line.length + 4).toString(16).padStart(4, '0') + line;
    const res = await fetch(`${server.url}/git/${app}.git/git-receive-pack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-git-receive-pack-request' },
      body: `${pkt}0000`,
    });
    expect(res.status).toBe(401);
    expect(headOf(app)).toBe(sha);
  });

  it('a client that asks for no side-band gets its report, and the post-receive hook records its push', async () => {
    const dir = await cloneAndCommit('web', 'plain.txt', 'no side-band\n');
    const sha = (await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
    const old = headOf('web');
    const pack = execFileSync('git', ['pack-objects', '--stdout', '--revs', '--thin'], { cwd: dir, input: `${sha}\n^${old}\n` });
    const line = `${old} ${sha} refs/heads/main\0 report-status agent=plain-client\n`;
    const body = Buffer.concat([Buffer.from(`${(Buffer.byteLength(line) + 4).toString(16).padStart(4, '0')}${line}0000`), pack]);
    const res = await fetch(`${server.url}/git/web.git/git-receive-pack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-git-receive-pack-request', authorization: basic(server.token) },
      body,
    });
    expect(res.status).toBe(200);
    // The report as pkt-lines, ending in its flush: nothing is added to an answer that has no side-band.
    expect(await res.text()).toBe('000eunpack ok\n0017ok refs/heads/main\n0000');
    expect(headOf('web')).toBe(sha);
    expect(server.deps.store.refUpdates.listForApp('web')[0]).toMatchObject({ ref: 'refs/heads/main', oldSha: old, newSha: sha, kind: 'preview' });
  });

  it('a git clone with a wrong token fails and a clone without one is asked for credentials', async () => {
    const r = await gitCli(['clone', server.gitUrl('web', 'slw_wrong'), work()]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Authentication failed|401/);
    const anon = await gitCli(['clone', `${server.url}/git/web.git`, work()]);
    expect(anon.code).not.toBe(0);
  });

  it('refuses a query parameter given twice, which the bridge and git http-backend could read differently', async () => {
    const auth = { authorization: basic(server.token) };
    for (const query of [
      'service=git-upload-pack&service=git-receive-pack',
      'service=git-upload-pack&%73ervice=git-receive-pack',
      'service=git-upload-pack&x=1&x=2',
    ]) {
      const res = await fetch(`${server.url}/git/web.git/info/refs?${query}`, { headers: auth });
      expect(res.status, query).toBe(400);
      expect(await res.text()).toMatch(/given more than once/);
    }
    expect((await fetch(`${server.url}/git/web.git/info/refs?service=git-upload-pack`, { headers: auth })).status).toBe(200);
  });

  it('unknown repos answer 404 and malformed paths never reach git', async () => {
    const auth = { authorization: basic(server.token) };
    expect((await fetch(`${server.url}/git/nope.git/info/refs?service=git-upload-pack`, { headers: auth })).status).toBe(404);
    // Sent as they are (fetch would normalise dot segments away).
    const rawStatus = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path, headers: auth }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    for (const p of [
      '/git/../etc/passwd',
      '/git/web.git/../../etc/passwd',
      '/git/%2e%2e/web.git/info/refs?service=git-upload-pack',
      '/git/web.git/objects/info/packs',
      '/git/web.git/info/refs?service=git-evil',
      '/git/Web.git/info/refs?service=git-upload-pack',
      '/git/web.git/config',
    ]) {
      expect(await rawStatus(p), p).toBe(404);
    }
  });
});

describe('a push past SLIPWAY_MAX_PUSH_MB', () => {
  it('is refused with git’s own message, moves no ref, and the server goes on taking pushes', async () => {
    const small = await startTestServer({ SLIPWAY_MAX_PUSH_MB: '1' });
    try {
      expect((await small.api('POST', '/api/apps', { name: 'capped', template: 'static-site' })).status).toBe(201);
      const dir = work();
      await gitOk(['clone', '-q', small.gitUrl('capped'), dir]);
      const before = (await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
      writeFileSync(join(dir, 'blob.bin'), randomBytes(3 * 1024 * 1024)); // random: the pack cannot shrink below 1 MB
      await gitOk(['add', 'blob.bin'], { cwd: dir });
      await gitOk(['commit', '-qm', 'too big'], { cwd: dir });
      const push = await gitCli(['push', 'origin', 'main'], { cwd: dir });
      expect(push.code).not.toBe(0);
      expect(push.stderr).toMatch(/pack exceeds maximum allowed size/);
      expect(fs.readFileSync(join(small.dataDir, 'repos', 'capped.git', 'refs/heads/main'), 'utf8').trim()).toBe(before);
      // A push within the limit still lands.
      await gitOk(['reset', '-q', '--hard', before], { cwd: dir });
      writeFileSync(join(dir, 'small.txt'), 'fits\n');
      await gitOk(['add', 'small.txt'], { cwd: dir });
      await gitOk(['commit', '-qm', 'small'], { cwd: dir });
      expect((await gitCli(['push', 'origin', 'main'], { cwd: dir })).code).toBe(0);
    } finally {
      await small.stop();
    }
  });
});
