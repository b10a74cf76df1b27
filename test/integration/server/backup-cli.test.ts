// `slipway backup` and `slipway restore` as an operator runs them (the built command, real git and SQLite), and what
// `slipway doctor` then says of backups.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../src/pipeline/check-installation.js';
import { createStore, databasePath } from '../../../src/store/create-store.js';

const root = join(import.meta.dirname, '..', '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'slipway-backup-cli-'));
const dataDir = join(scratch, 'data');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const slipway = (env: Record<string, string>, ...args: string[]) => {
  const r = spawnSync(process.execPath, [join(root, 'dist', 'src', 'main.js'), ...args], {
    env: { PATH: process.env.PATH, SLIPWAY_DATA_DIR: dataDir, SLIPWAY_LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const backupCheck = (dir: string): CheckResult =>
  (JSON.parse(slipway({ SLIPWAY_DATA_DIR: dir }, 'doctor', '--json').out) as { checks: CheckResult[] }).checks.find((c) => c.name === 'Backups')!;

describe('slipway backup and restore', () => {
  it('writes an archive, restores it into a new folder, and refuses to restore over one that is not empty', { timeout: 180_000 }, () => {
    expect(slipway({}, 'apps', 'create', 'blog', '--template', 'static-site').code).toBe(0);
    const token = slipway({}, 'token', 'create', '--name', 'ci').out.trim();
    const archive = join(scratch, 'blog.tar.gz');

    const made = slipway({}, 'backup', '--out', archive);
    expect(made.code, made.err).toBe(0);
    expect(made.out).toMatch(new RegExp(`^wrote ${archive}: 1 app\\(s\\), [\\d.]+ MiB, in [\\d.]+ s\\n`));
    expect(made.out).toContain('It holds the secrets key and every secret: keep it as private as the data folder.');
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    expect(backupCheck(dataDir)).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^last \d{4}-.*Z \(cli\): blog\.tar\.gz, [\d.]+ KiB, 1 app\(s\), took [\d.]+ s; no schedule$/),
    });

    const target = join(scratch, 'restored');
    const restored = slipway({}, 'restore', archive, '--data-dir', target, '--new-identity');
    expect(restored.code, restored.err).toBe(0);
    expect(restored.out).toMatch(/^restored .*restored from \d{4}-.*Z \(Slipway \d+\.\d+\.\d+, schema \d+\)\n {2}apps: blog\n/);
    expect(restored.out).toContain('a new installation id is made at its first start');
    expect(restored.out).toContain(`start it: SLIPWAY_DATA_DIR=${target} slipway serve`);
    expect(statSync(target).mode & 0o777).toBe(0o700);
    const list = slipway({ SLIPWAY_DATA_DIR: target }, 'apps', 'list', '--json');
    expect(JSON.parse(list.out)).toEqual([expect.objectContaining({ name: 'blog', template: 'static-site' })]);
    // The token made before the backup is one of the restored installation's.
    const store = createStore(databasePath(target));
    try {
      expect(store.tokens.verify(token)?.name).toBe('ci');
    } finally {
      store.close();
    }

    const again = slipway({}, 'restore', archive, '--data-dir', target);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(
      new RegExp(`^slipway: ${target} is not empty \\(.*\\): restore into an empty folder, or one that does not exist yet; nothing was changed\\n$`),
    );
  });

  it('a backup that fails is said by doctor, with the last good one', { timeout: 120_000 }, () => {
    const blocked = join(scratch, 'a-file');
    writeFileSync(blocked, 'not a folder\n');
    const failed = slipway({}, 'backup', '--out', join(blocked, 'x.tar.gz'));
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/^slipway: .*a-file/);
    const doctor = slipway({}, 'doctor');
    expect(doctor.code).toBe(1);
    expect(doctor.out).toMatch(/^FAIL {2}Backups: the last backup \(.*, cli\) failed: .*; the last good one is from \d{4}-/m);
  });

  it('refuses a corrupt archive and a folder that is a file, saying so', { timeout: 60_000 }, () => {
    const junk = join(scratch, 'junk.tar.gz');
    writeFileSync(junk, 'this is not gzip at all');
    const r = slipway({}, 'restore', junk, '--data-dir', join(scratch, 'never'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/junk\.tar\.gz is corrupt or not a Slipway backup \(incorrect header check\); use another backup/);
    mkdirSync(join(scratch, 'dir'));
    const file = join(scratch, 'dir', 'file');
    writeFileSync(file, '');
    expect(slipway({}, 'restore', junk, '--data-dir', file).err).toMatch(/is a file: restore into an empty folder/);
  });
});
