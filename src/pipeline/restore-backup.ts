// `slipway restore`: an archive of writeBackup into a new data folder. Refused, before anything is written where the
// folder goes, when the folder is not empty, when the archive is not whole (gzip's check, then each file's sha256
// against the manifest), or when it holds a database newer than this Slipway. Assembled in a private folder beside
// the target and renamed into place only once complete.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BACKUP_DATA_FILES, BACKUP_DATA_FOLDERS, checkSchema, MANIFEST_ENTRY, parseBackupManifest, type BackupManifest } from '../domain/backup-manifest.js';
import { restoreRepo } from '../git/bundle-repo.js';
import { repoPath, reposDir } from '../git/repo-path.js';
import { BackupRefusedError, isSlipwayError, messageOf } from '../shared/errors.js';
import { readTarGz, type TarEntry } from '../shared/tar-gz.js';
import { currentSchemaVersion, prepareRestoredDatabase } from '../store/backup-database.js';
import { databasePath } from '../store/create-store.js';
import { logPath } from './log-paths.js';

const IDENTITY_FILE = 'installation.id';
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

export interface RestoreInput {
  archive: string;
  /** The folder to restore into: it must not exist, or be empty. */
  dataDir: string;
  /** This Slipway's git hooks (the restored repos are pointed at them). */
  hooksDir: string;
  /** Leave the installation's identity out, so the restored copy makes a new one (to run beside the original). */
  newIdentity: boolean;
}

export interface RestoreSummary {
  manifest: BackupManifest;
  dataDir: string;
  /** `kept`: the restored installation is the one backed up (it adopts its containers); `new`: it makes its own. */
  identity: 'kept' | 'new';
}

export async function restoreBackup(input: RestoreInput): Promise<RestoreSummary> {
  const archive = resolve(input.archive);
  const target = resolve(input.dataDir);
  await refuseNonEmpty(target);
  if (!existsSync(archive)) throw new BackupRefusedError(`${archive}: no such file`);
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  const stage = await mkdtemp(join(dirname(target), `.${basename(target)}.restoring-`));
  try {
    const unpacked = join(stage, 'archive');
    const data = join(stage, 'data');
    const manifest = await unpack(archive, unpacked);
    await mkdir(data, { mode: 0o700 });

    await rename(join(unpacked, 'slipway.db'), databasePath(data));
    // Log paths are stored whole: pointed at the target, where the restored server writes its logs.
    const db = prepareRestoredDatabase(databasePath(data), (kind, id) => logPath(target, kind, id));
    if (db.schemaVersion !== manifest.schemaVersion)
      throw new BackupRefusedError(`${archive} is corrupt: its database is at schema ${db.schemaVersion}, its manifest says ${manifest.schemaVersion}`);

    await mkdir(reposDir(data), { mode: 0o700 });
    for (const r of manifest.repos) {
      await restoreRepo({
        gitdir: repoPath(data, r.name),
        bundle: r.bundle === null ? null : join(unpacked, r.bundle),
        config: join(unpacked, r.config),
        head: r.head,
        hooksDir: input.hooksDir,
        refs: r.refs,
      });
    }
    let identity: RestoreSummary['identity'] = 'new';
    for (const f of [...BACKUP_DATA_FILES, ...BACKUP_DATA_FOLDERS]) {
      if (!existsSync(join(unpacked, f))) continue;
      if (f === IDENTITY_FILE) {
        if (input.newIdentity) continue;
        identity = 'kept';
      }
      await rename(join(unpacked, f), join(data, f));
    }
    await makePrivate(data);

    // Into place. An empty target is replaced; one that got files meanwhile makes rmdir fail, and nothing is lost.
    if (existsSync(target)) {
      try {
        await rmdir(target);
      } catch (e) {
        throw new BackupRefusedError(`${target} is not empty any more (${messageOf(e)}): nothing was restored`);
      }
    }
    await rename(data, target);
    return { manifest, dataDir: target, identity };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

async function refuseNonEmpty(target: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new BackupRefusedError(`${target} is a file: restore into an empty folder, or one that does not exist yet`);
    throw e;
  }
  if (names.length > 0)
    throw new BackupRefusedError(
      `${target} is not empty (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}): restore into an empty folder, or one that does not exist yet; nothing was changed`,
    );
}

/** Extracts the archive into `dir`, checking the manifest first, then every file against it. */
async function unpack(archive: string, dir: string): Promise<BackupManifest> {
  let manifest: BackupManifest | undefined;
  const expected = new Map<string, BackupManifest['files'][number]>();
  const corrupt = (why: string) => new BackupRefusedError(`${archive} is corrupt: ${why}; use another backup`);
  const onEntry = async (entry: TarEntry): Promise<void> => {
    if (!manifest) {
      if (entry.name !== MANIFEST_ENTRY || entry.type !== 'file' || entry.size > MAX_MANIFEST_BYTES)
        throw new BackupRefusedError(`${archive} is not a Slipway backup: it does not start with ${MANIFEST_ENTRY}`);
      manifest = parseBackupManifest(await readText(entry.body), archive);
      checkSchema(manifest, currentSchemaVersion(), archive);
      if (!manifest.files.some((f) => f.path === 'slipway.db')) throw corrupt('its manifest lists no database');
      for (const f of manifest.files) expected.set(f.path, f);
      return;
    }
    const want = expected.get(entry.name);
    if (entry.type !== 'file' || !want) throw corrupt(`it holds ${entry.name.slice(0, 100)}, which its manifest does not list`);
    expected.delete(entry.name);
    // Names are the manifest's, which were checked to be relative paths with no `..`.
    const path = join(dir, ...entry.name.split('/'));
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const hash = createHash('sha256');
    let size = 0;
    await pipeline(
      entry.body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
          // Longer than the manifest says: stop here rather than fill the disk with it.
          if (size > want.size) throw corrupt(`${entry.name} is longer than its manifest says`);
          yield chunk;
        }
      },
      createWriteStream(path, { mode: 0o600, flags: 'wx' }),
    );
    if (size !== want.size || hash.digest('hex') !== want.sha256) throw corrupt(`${entry.name} does not match its checksum in the manifest`);
  };
  try {
    await readTarGz(archive, onEntry);
  } catch (e) {
    // The archive's own damage (gzip's CRC, a cut-off file, a broken tar header) is said so; a full disk is not.
    if (isSlipwayError(e) || (e as NodeJS.ErrnoException).syscall !== undefined) throw e;
    throw new BackupRefusedError(`${archive} is corrupt or not a Slipway backup (${messageOf(e)}); use another backup`, { cause: e });
  }
  if (!manifest) throw new BackupRefusedError(`${archive} is not a Slipway backup: it is empty`);
  if (expected.size > 0) throw corrupt(`${[...expected.keys()].slice(0, 3).join(', ')} ${expected.size === 1 ? 'is' : 'are'} missing`);
  return manifest;
}

async function readText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Only Slipway's user may read what was restored: folders 0700, files without group or other bits. */
async function makePrivate(path: string): Promise<void> {
  const s = await lstat(path);
  if (s.isSymbolicLink()) return;
  if (s.isDirectory()) {
    await chmod(path, 0o700);
    for (const name of await readdir(path)) await makePrivate(join(path, name));
  } else await chmod(path, s.mode & 0o700);
}
