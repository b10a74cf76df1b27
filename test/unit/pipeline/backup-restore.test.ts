// Backup and restore over a real pipeline, store and git repos (fake engine): an archive of the whole installation
// comes back whole in a new folder — apps, refs, releases, secrets that still decrypt, tokens, keys, certificates —
// and the restored installation converges; a restore into a folder that is not empty, of a damaged archive or of a
// newer schema is refused with the reason and changes nothing; pushes landing during a backup are wholly in it or not.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupManifest } from '../../../src/domain/backup-manifest.js';
import { repoPath } from '../../../src/git/repo-path.js';
import { createBackups } from '../../../src/pipeline/backups.js';
import { restoreBackup } from '../../../src/pipeline/restore-backup.js';
import { createWorkTracker } from '../../../src/pipeline/work-tracker.js';
import { createLogger } from '../../../src/shared/log.js';
import { readTarGz } from '../../../src/shared/tar-gz.js';
import { createStore, databasePath } from '../../../src/store/create-store.js';
import { migrations } from '../../../src/store/migrations.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { git, gitOk } from '../../helpers/git-cli.js';

const root = join(import.meta.dirname, '..', '..', '..');
const hooksDir = join(root, 'hooks');
const scratch = mkdtempSync(join(tmpdir(), 'slipway-restore-'));
let fp: FakePipeline;
let token: string;
let archive: string;

const refsOf = async (gitdir: string) => (await gitOk(['--git-dir', gitdir, 'for-each-ref', '--format=%(refname) %(objectname)'])).stdout;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every path under `dir` whose mode lets anyone but its owner in. */
function openToOthers(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const s = statSync(p);
    if ((s.mode & 0o077) !== 0) out.push(`${p} ${(s.mode & 0o777).toString(8)}`);
    if (s.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(dir);
  return out;
}

/** The archive's entries, changed by `edit`, written to a new archive (gzip and tar intact: only the content lies). */
async function rewrite(from: string, to: string, edit: (entries: { name: string; data: Buffer }[]) => void): Promise<string> {
  const entries: { name: string; data: Buffer }[] = [];
  await readTarGz(from, async (e) => {
    const chunks: Buffer[] = [];
    for await (const c of e.body) chunks.push(c as Buffer);
    entries.push({ name: e.name, data: Buffer.concat(chunks) });
  });
  edit(entries);
  const pack = tar.pack();
  const written = streamPipeline(pack, createGzip(), createWriteStream(to));
  for (const e of entries) pack.entry({ name: e.name, size: e.data.length }, e.data);
  pack.finalize();
  await written;
  return to;
}

const manifestOf = (entries: { name: string; data: Buffer }[]) => JSON.parse(entries[0]!.data.toString()) as BackupManifest;

beforeAll(async () => {
  fp = await createFakePipeline({ env: { SLIPWAY_BACKUP_KEEP: '2' } });
  await fp.createApp('shop', 'static-site');
  await fp.createApp('hello', 'simple-api');
  await (
    await fp.push('shop', { files: { 'public/index.html': '<h1>v2</h1>' } })
  ).done;
  await fp.pipeline.publish('shop', { by: 'test' });
  fp.pipeline.secrets.set('hello', 'prod', 'GREETING', 'hello from a secret');
  token = fp.pipeline.createToken('ci').token;
  fp.store.generations.create({ app: 'shop', kind: 'request', prompt: 'Make it blue', requestedBy: 'test', model: 'claude-test' });
  mkdirSync(join(fp.dataDir, 'tls', 'certs'), { recursive: true, mode: 0o700 });
  writeFileSync(join(fp.dataDir, 'tls', 'certs', 'shop.example.com.pem'), 'not really a certificate\n', { mode: 0o600 });
  writeFileSync(join(fp.dataDir, 'ui-session-keys.json'), `{"keys":["${'k'.repeat(40)}"]}\n`, { mode: 0o600 });
  writeFileSync(join(fp.dataDir, 'installation.id'), '0123456789ab\n', { mode: 0o600 });
  archive = (await fp.pipeline.backups.create('api')).file;
});

afterAll(async () => {
  await fp?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe('backup', () => {
  it('writes one private archive, manifest first, of the database, every repo, the keys and the certificates, not the logs', async () => {
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    expect(dirname(archive)).toBe(join(fp.dataDir, 'backups'));
    const names: string[] = [];
    await readTarGz(archive, async (e) => {
      names.push(e.name);
      e.body.resume();
      await new Promise((r) => e.body.once('end', r));
    });
    expect(names[0]).toBe('manifest.json');
    expect(names.slice(1).sort()).toEqual(
      [
        'installation.id',
        'repos/hello.bundle',
        'repos/hello.config',
        'repos/shop.bundle',
        'repos/shop.config',
        'secrets.key',
        'slipway.db',
        'tls/certs/shop.example.com.pem',
        'ui-session-keys.json',
      ].sort(),
    );
    expect(existsSync(join(fp.dataDir, 'logs'))).toBe(true); // there were logs; none went in
    const status = fp.pipeline.backups.status();
    expect(status?.last).toMatchObject({ result: 'ok', trigger: 'api', file: archive, apps: 2, size: statSync(archive).size });
  });

  it('keeps the newest SLIPWAY_BACKUP_KEEP archives in the backups folder, and one backup at a time', async () => {
    const first = (await fp.pipeline.backups.list()).map((b) => b.name);
    const [a, b] = await Promise.allSettled([fp.pipeline.backups.create('api'), fp.pipeline.backups.create('api')]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT', message: expect.stringMatching(/^a backup is being made/) } });
    const second = await fp.pipeline.backups.create('cli');
    const listed = await fp.pipeline.backups.list();
    expect(listed.map((x) => x.name)).toEqual([second.name, (a as PromiseFulfilledResult<{ name: string }>).value.name]);
    expect(listed.map((x) => x.name)).not.toContain(first.at(-1));
    await expect(fp.pipeline.backups.find('../slipway.db')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(fp.pipeline.backups.find(second.name)).resolves.toMatchObject({ size: second.size });
    archive = second.file;
  });

  it('runs on its schedule (croner) while the server runs, into the backups folder, recorded as scheduled', { timeout: 20_000 }, async () => {
    const dir = join(scratch, 'scheduled');
    // Croner also takes a seconds field; the configuration itself allows the five-field form only.
    const config = { ...fp.config, backup: { dir, keep: 1, schedule: '* * * * * *' } };
    const backups = createBackups(
      { config, store: fp.store, log: createLogger('silent') },
      createWorkTracker(() => new Error('closed')),
    );
    backups.start();
    try {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && (backups.status()?.last.trigger !== 'schedule' || (await backups.list()).length === 0))
        await new Promise((r) => setTimeout(r, 200));
    } finally {
      backups.stop();
    }
    expect(backups.status()?.last).toMatchObject({ trigger: 'schedule', result: 'ok' });
    await new Promise((r) => setTimeout(r, 1500)); // a run that had started finishes; keep 1 holds
    expect((await backups.list()).length).toBe(1);
    expect(backups.nextRun()).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});

describe('restore', () => {
  it('brings back every app, ref, release, secret, token, generation, key and certificate, privately, pointing at its own logs and hooks', async () => {
    const target = join(scratch, 'restored');
    const done = await restoreBackup({ archive, dataDir: target, hooksDir, newIdentity: false });
    expect(done.identity).toBe('kept');
    expect(done.manifest.apps.map((a) => a.name)).toEqual(['hello', 'shop']);
    for (const app of ['shop', 'hello']) {
      expect(await refsOf(repoPath(target, app))).toBe(await refsOf(repoPath(fp.dataDir, app)));
      expect((await gitOk(['--git-dir', repoPath(target, app), 'config', 'core.hooksPath'])).stdout.trim()).toBe(hooksDir);
      expect((await gitOk(['--git-dir', repoPath(target, app), 'config', 'http.receivepack'])).stdout.trim()).toBe('true');
      expect((await gitOk(['--git-dir', repoPath(target, app), 'symbolic-ref', 'HEAD'])).stdout.trim()).toBe('refs/heads/main');
      expect((await git(['--git-dir', repoPath(target, app), 'fsck', '--full', '--strict'])).code).toBe(0);
    }
    expect(await refsOf(repoPath(target, 'shop'))).toContain('refs/tags/v1 ');
    for (const f of ['secrets.key', 'ui-session-keys.json', 'installation.id', 'tls/certs/shop.example.com.pem'])
      expect(sha256(join(target, f)), f).toBe(sha256(join(fp.dataDir, f)));
    expect(existsSync(join(target, 'logs'))).toBe(false);
    expect(openToOthers(target)).toEqual([]);

    const store = createStore(databasePath(target));
    try {
      expect(store.apps.list().map((a) => a.name)).toEqual(fp.store.apps.list().map((a) => a.name));
      expect(store.secrets.values('hello', 'prod')).toEqual({ GREETING: 'hello from a secret' });
      expect(store.tokens.verify(token)?.name).toBe('ci');
      // The audit log goes with the database: who made the token is still there.
      expect(store.audit.list({ action: 'token.created' }).entries.map((e) => e.target)).toContain('admin/ci');
      expect(store.generations.list('shop', 10).map((g) => g.prompt)).toEqual(['Make it blue']);
      const logPaths = [...store.builds.list('shop', 50), ...store.deployments.list('shop', 50)].map((r) => r.logPath);
      expect(logPaths.length).toBeGreaterThan(0);
      for (const p of logPaths) expect(p.startsWith(join(target, 'logs') + '/'), p).toBe(true);
    } finally {
      store.close();
    }
  });

  it('the restored installation converges: each environment on the commit its ref names', async () => {
    const target = join(scratch, 'converges');
    await restoreBackup({ archive, dataDir: target, hooksDir, newIdentity: true });
    expect(existsSync(join(target, 'installation.id'))).toBe(false);
    const copy = await createFakePipeline({ dataDir: target });
    try {
      for (const app of ['shop', 'hello']) {
        await copy.pass(app);
        for (const env of copy.config.environments) {
          const ref = (await git(['--git-dir', repoPath(target, app), 'rev-parse', '--verify', '--quiet', env.ref])).stdout.trim();
          if (!ref) continue;
          expect(copy.runtime.instances(app).find((i) => i.environment === env.name)?.commit, `${app} ${env.name}`).toBe(ref);
        }
      }
      expect(
        copy.runtime
          .instances('shop')
          .map((i) => i.environment)
          .sort(),
      ).toEqual(['preview', 'prod']);
    } finally {
      await copy.close();
    }
  });

  it('refuses a folder that is not empty, and changes nothing in it', async () => {
    const target = join(scratch, 'busy');
    mkdirSync(target);
    writeFileSync(join(target, 'notes.txt'), 'mine\n');
    await expect(restoreBackup({ archive, dataDir: target, hooksDir, newIdentity: false })).rejects.toMatchObject({
      code: 'BACKUP_REFUSED',
      message: `${target} is not empty (notes.txt): restore into an empty folder, or one that does not exist yet; nothing was changed`,
    });
    expect(readdirSync(target)).toEqual(['notes.txt']);
  });

  it('refuses a damaged archive: a file that does not match its checksum or is longer, a cut-off archive, a missing file, an extra one', async () => {
    const cases: [string, (entries: { name: string; data: Buffer }[]) => void, RegExp][] = [
      [
        'changed',
        (entries) => {
          const db = entries.find((e) => e.name === 'slipway.db')!;
          db.data = Buffer.from(db.data);
          const at = db.data.length - 10;
          db.data.writeUInt8(db.data.readUInt8(at) ^ 0xff, at);
        },
        /is corrupt: slipway\.db does not match its checksum in the manifest; use another backup$/,
      ],
      [
        'longer',
        (entries) => {
          const key = entries.find((e) => e.name === 'secrets.key')!;
          key.data = Buffer.concat([key.data, Buffer.alloc(1024 * 1024)]);
        },
        /is corrupt: secrets\.key is longer than its manifest says; use another backup$/,
      ],
      [
        'missing',
        (entries) =>
          void entries.splice(
            entries.findIndex((e) => e.name === 'secrets.key'),
            1,
          ),
        /is corrupt: secrets\.key is missing; use another backup$/,
      ],
      [
        'extra',
        (entries) => void entries.push({ name: 'repos/evil.sh', data: Buffer.from('#!/bin/sh\n') }),
        /is corrupt: it holds repos\/evil\.sh, which its manifest does not list/,
      ],
      ['foreign', (entries) => void entries.shift(), /is not a Slipway backup: it does not start with manifest\.json$/],
    ];
    for (const [name, edit, message] of cases) {
      const bad = await rewrite(archive, join(scratch, `${name}.tar.gz`), edit);
      const target = join(scratch, `target-${name}`);
      await expect(restoreBackup({ archive: bad, dataDir: target, hooksDir, newIdentity: false }), name).rejects.toMatchObject({
        code: 'BACKUP_REFUSED',
        message,
      });
      expect(existsSync(target), name).toBe(false);
    }
    const cut = join(scratch, 'cut.tar.gz');
    writeFileSync(cut, readFileSync(archive).subarray(0, Math.floor(statSync(archive).size / 2)));
    await expect(restoreBackup({ archive: cut, dataDir: join(scratch, 'target-cut'), hooksDir, newIdentity: false })).rejects.toMatchObject({
      code: 'BACKUP_REFUSED',
      message: expect.stringMatching(/cut\.tar\.gz is corrupt or not a Slipway backup \(unexpected end of file\); use another backup$/),
    });
    // Nothing is left beside the targets: each attempt's staging folder went with it.
    expect(readdirSync(scratch).filter((n) => n.includes('restoring'))).toEqual([]);
  });

  it('refuses an archive whose database is newer than this Slipway, before writing anything', async () => {
    const newer = await rewrite(archive, join(scratch, 'newer.tar.gz'), (entries) => {
      const m = manifestOf(entries);
      entries[0]!.data = Buffer.from(JSON.stringify({ ...m, schemaVersion: 99, slipwayVersion: '9.0.0' }));
    });
    const target = join(scratch, 'target-newer');
    await expect(restoreBackup({ archive: newer, dataDir: target, hooksDir, newIdentity: false })).rejects.toMatchObject({
      code: 'BACKUP_REFUSED',
      message: `${newer} holds a database at schema version 99 (made by Slipway 9.0.0); this Slipway knows schema ${migrations.length} at most: upgrade Slipway first, then restore`,
    });
    expect(existsSync(target)).toBe(false);
  });

  it(
    'takes a backup while pushes land: each push is wholly in it or not at all, and every push finished before it began is in it',
    { timeout: 60_000 },
    async () => {
      const pushed: { commit: string; at: number }[] = [];
      let stop = false;
      const pushing = (async () => {
        // Bounded: at most 60 commits, written and moved with git as receive-pack does.
        for (let i = 0; i < 60 && !stop; i++)
          pushed.push({ commit: await fp.moveRef('shop', 'refs/heads/main', { files: { [`f${i}.txt`]: `${i}\n` } }), at: Date.now() });
      })();
      while (pushed.length < 3) await new Promise((r) => setTimeout(r, 20));
      const began = Date.now();
      const made = await fp.pipeline.backups.create('api');
      const ended = Date.now();
      await new Promise((r) => setTimeout(r, 200));
      stop = true;
      await pushing;

      const target = join(scratch, 'during-pushes');
      const restored = await restoreBackup({ archive: made.file, dataDir: target, hooksDir, newIdentity: true });
      const gitdir = repoPath(target, 'shop');
      const main = (await gitOk(['--git-dir', gitdir, 'rev-parse', 'refs/heads/main'])).stdout.trim();
      const index = pushed.findIndex((p) => p.commit === main);
      expect(index, 'main is one of the pushed commits').toBeGreaterThanOrEqual(0);
      expect(restored.manifest.repos.find((r) => r.name === 'shop')?.refs['refs/heads/main']).toBe(main);
      // Every push that had finished when the backup began is in it; none that began after it ended.
      const finishedBefore = pushed.filter((p) => p.at < began).length;
      expect(index + 1).toBeGreaterThanOrEqual(finishedBefore);
      expect(pushed[index]!.at).toBeLessThanOrEqual(ended);
      expect((await git(['--git-dir', gitdir, 'fsck', '--full', '--strict'])).code).toBe(0);
      for (const p of pushed.slice(0, index + 1)) expect((await git(['--git-dir', gitdir, 'merge-base', '--is-ancestor', p.commit, main])).code).toBe(0);
    },
  );
});
