// One archive of the whole installation, taken while it runs: the database (SQLite's online backup), every repo (a
// git bundle each), the secrets key, the session keys, the installation's identity and the certificates, with a
// manifest of versions, apps, refs and checksums. Logs are left out. Staged in a private folder beside the archive,
// written under a temporary name, and given its name only once whole.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import {
  BACKUP_DATA_FILES,
  BACKUP_DATA_FOLDERS,
  BACKUP_FORMAT,
  backupFileName,
  LEFT_OUT,
  MANIFEST_ENTRY,
  type BackupManifest,
} from '../domain/backup-manifest.js';
import { bundleRepo } from '../git/bundle-repo.js';
import { repoPath, reposDir } from '../git/repo-path.js';
import { ConfigError, messageOf } from '../shared/errors.js';
import { writeTarGz, type TarSource } from '../shared/tar-gz.js';
import { copyDatabase } from '../store/backup-database.js';
import type { PipelineDeps } from './deps.js';

export interface BackupSummary {
  /** The archive's path. */
  file: string;
  name: string;
  size: number;
  createdAt: string;
  durationMs: number;
  apps: string[];
  schemaVersion: number;
}

/** Where the archive goes: a folder (it is named by the time) or an exact file (`slipway backup --out`). */
export type BackupTarget = { dir: string } | { file: string };

export async function writeBackup(deps: Pick<PipelineDeps, 'config' | 'store' | 'log'>, target: BackupTarget): Promise<BackupSummary> {
  const started = new Date();
  const { dataDir } = deps.config;
  const dir = 'dir' in target ? target.dir : dirname(resolve(target.file));
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new ConfigError(`cannot make the backup folder ${dir}: ${messageOf(e)}`);
  }
  const stage = await mkdtemp(join(dir, '.slipway-backup-'));
  try {
    // The database first, then the repos: every commit a record names is then in its repo (refs only move on).
    const db = await copyDatabase(deps.store.db, join(stage, 'slipway.db'));
    await mkdir(join(stage, 'repos'), { mode: 0o700 });
    const repos: BackupManifest['repos'] = [];
    for (const name of await listRepos(dataDir)) {
      const bundle = `repos/${name}.bundle`;
      const config = `repos/${name}.config`;
      const { head, refs } = await bundleRepo(repoPath(dataDir, name), join(stage, bundle), join(stage, config));
      repos.push({ name, head, refs, bundle: Object.keys(refs).length > 0 ? bundle : null, config });
    }
    for (const f of BACKUP_DATA_FILES) await copyIfPresent(join(dataDir, f), join(stage, f));
    for (const folder of BACKUP_DATA_FOLDERS) await copyFolder(join(dataDir, folder), join(stage, folder));

    const files = await checksums(stage);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      slipwayVersion: slipwayVersion(deps.config.projectRoot),
      schemaVersion: db.schemaVersion,
      createdAt: started.toISOString(),
      installation: await readIdentity(dataDir),
      apps: db.apps,
      repos,
      files,
      leftOut: LEFT_OUT,
    };
    await writeFile(join(stage, MANIFEST_ENTRY), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    // The manifest first: a restore checks versions before it reads the rest.
    const entries: TarSource[] = [
      { name: MANIFEST_ENTRY, file: join(stage, MANIFEST_ENTRY) },
      ...files.map((f) => ({ name: f.path, file: join(stage, f.path) })),
    ];
    const partial = join(dir, `.slipway-backup-${randomBytes(6).toString('hex')}.partial`);
    try {
      await writeTarGz(partial, entries);
      const file = await giveName(partial, target, started);
      const { size } = await stat(file);
      const summary = {
        file,
        name: basename(file),
        size,
        createdAt: started.toISOString(),
        durationMs: Date.now() - started.getTime(),
        apps: db.apps.map((a) => a.name),
        schemaVersion: db.schemaVersion,
      };
      deps.log.info('backup written', { file, size, apps: summary.apps.length, durationMs: summary.durationMs });
      return summary;
    } finally {
      await rm(partial, { force: true });
    }
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** Links the finished archive to its name, never over an existing file (another backup of the same second). */
async function giveName(partial: string, target: BackupTarget, at: Date): Promise<string> {
  for (let attempt = 1; attempt <= 100; attempt++) {
    const file = 'file' in target ? resolve(target.file) : join(target.dir, backupFileName(at, attempt));
    try {
      await link(partial, file);
      await unlink(partial);
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || 'file' in target) throw e;
    }
  }
  throw new Error(`no free backup name in ${'dir' in target ? target.dir : target.file}`);
}

/** App repos: `NAME.git` folders (a repo being created has a temporary name and is not one yet). */
async function listRepos(dataDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(reposDir(dataDir), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries
    .filter((e) => e.isDirectory() && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?\.git$/.test(e.name))
    .map((e) => e.name.slice(0, -'.git'.length))
    .sort();
}

async function copyIfPresent(from: string, to: string): Promise<void> {
  try {
    await copyFile(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Regular files of a folder, recursively; files being written (`*.tmp`, renamed when whole) are left out. */
async function copyFolder(from: string, to: string): Promise<void> {
  if (!existsSync(from)) return;
  for (const e of await readdir(from, { withFileTypes: true })) {
    if (e.isDirectory()) await copyFolder(join(from, e.name), join(to, e.name));
    else if (e.isFile() && !e.name.endsWith('.tmp')) {
      await mkdir(to, { recursive: true, mode: 0o700 });
      await copyIfPresent(join(from, e.name), join(to, e.name));
    }
  }
}

async function checksums(stage: string): Promise<BackupManifest['files']> {
  const out: BackupManifest['files'] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) {
        const hash = createHash('sha256');
        for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
        out.push({ path: relative(stage, path).split('\\').join('/'), size: (await stat(path)).size, sha256: hash.digest('hex') });
      }
    }
  };
  await walk(stage);
  // The database first, then the keys and certificates, the repos last (the largest).
  const rank = (p: string) => (p === 'slipway.db' ? 0 : p.startsWith('repos/') ? 2 : 1);
  return out.sort((a, b) => rank(a.path) - rank(b.path) || a.path.localeCompare(b.path));
}

async function readIdentity(dataDir: string): Promise<string | null> {
  try {
    return (await readFile(join(dataDir, 'installation.id'), 'utf8')).trim() || null;
  } catch {
    return null;
  }
}

function slipwayVersion(projectRoot: string): string {
  try {
    return String((JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}
