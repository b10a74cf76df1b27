// What Slipway keeps is its user's alone: the database (and its WAL and SHM files) 0600, every file it writes
// created so (umask 077), the data folder 0700; a data folder that cannot be made private stops start-up.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/open-database.js';

const root = join(import.meta.dirname, '..', '..', '..');
const base = mkdtempSync(join(tmpdir(), 'slipway-private-'));
chmodSync(base, 0o755); // so that `nobody` can reach the folders below
afterAll(() => rmSync(base, { recursive: true, force: true }));

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const slipway = (dataDir: string, args: string[], asNobody = false) => {
  const command = [process.execPath, join(root, 'dist', 'src', 'main.js'), ...args];
  const argv = asNobody ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...command] : command;
  return spawnSync(argv[0]!, argv.slice(1), {
    env: { PATH: process.env.PATH, SLIPWAY_DATA_DIR: dataDir, SLIPWAY_LOG_LEVEL: 'warn', HOME: base },
    encoding: 'utf8',
  });
};

describe('the data folder and what is in it', () => {
  it('the database and its WAL and SHM files are 0600, also when the file was made open before', () => {
    const dir = join(base, 'db');
    mkdirSync(dir);
    const path = join(dir, 'slipway.db');
    const db = openDatabase(path);
    db.prepare('SELECT 1').get();
    for (const f of [path, `${path}-wal`, `${path}-shm`]) expect(mode(f), f).toBe('600');
    db.close();
    chmodSync(path, 0o644);
    openDatabase(path).close();
    expect(mode(path)).toBe('600');
  });

  it('the command makes the data folder 0700 and what it writes private (database, repo files)', () => {
    const dataDir = join(base, 'fresh');
    const r = slipway(dataDir, ['apps', 'create', 'blog', '--template', 'static-site']);
    expect(r.status, r.stderr).toBe(0);
    expect(mode(dataDir)).toBe('700');
    expect(mode(join(dataDir, 'slipway.db'))).toBe('600');
    expect(mode(join(dataDir, 'repos', 'blog.git', 'HEAD'))).toBe('600');
    expect(mode(join(dataDir, 'repos', 'blog.git', 'config'))).toBe('600');
    expect(mode(join(dataDir, 'repos', 'blog.git', 'objects'))).toBe('700');
  });

  it('closes a data folder open to others, and stops with the reason when it cannot', () => {
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    expect(slipway(open, ['apps', 'list']).status).toBe(0);
    expect(mode(open)).toBe('700');

    // Root's folder, open to all: the user nobody cannot close it, so nothing starts.
    const foreign = join(base, 'foreign');
    mkdirSync(foreign);
    chmodSync(foreign, 0o777);
    writeFileSync(join(foreign, 'keep.txt'), 'not touched\n');
    const r = slipway(foreign, ['apps', 'list'], true);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /the data folder .*foreign is open to other users \(mode 777\) and cannot be made private \(.*EPERM.*\): chown it to the user Slipway runs as/,
    );
    expect(existsSync(join(foreign, 'slipway.db'))).toBe(false);
  });
});
