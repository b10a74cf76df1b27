// What a backup archive says about itself (manifest.json, its first entry), the names archives get, and the pure
// checks a restore makes before it writes anything: a format and a schema this Slipway knows, safe entry names.
import { z } from 'zod';
import { BackupRefusedError } from '../shared/errors.js';

/** The layout of the archive; a newer one is refused rather than half understood. */
export const BACKUP_FORMAT = 1;
export const MANIFEST_ENTRY = 'manifest.json';

/** Files of the data folder a backup holds besides the database and the repos (each only when present). */
export const BACKUP_DATA_FILES = ['secrets.key', 'ui-session-keys.json', 'installation.id'] as const;
/** Folders of the data folder a backup holds whole (regular files only). */
export const BACKUP_DATA_FOLDERS = ['tls'] as const;
/** What a backup leaves out on purpose, as the manifest says it. */
export const LEFT_OUT = [
  'logs/: the text of build, deployment and job-run logs (their records are kept)',
  'container images: they stay in Docker and the registry',
];

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const manifestSchema = z.object({
  format: z.number().int().positive(),
  slipwayVersion: z.string().max(100),
  schemaVersion: z.number().int().nonnegative(),
  createdAt: z.string().max(40),
  installation: z.string().max(100).nullable(),
  apps: z.array(z.object({ name: z.string().max(100), template: z.string().max(100) })),
  repos: z.array(
    z.object({
      name: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/),
      head: z.string().regex(/^refs\/heads\/[A-Za-z0-9._/-]+$/),
      /** Where each ref pointed when the repo was bundled. */
      refs: z.record(z.string(), z.string().regex(/^[0-9a-f]{40}$/)),
      bundle: z.string().nullable(),
      config: z.string(),
    }),
  ),
  files: z.array(z.object({ path: z.string(), size: z.number().int().nonnegative(), sha256 })),
  leftOut: z.array(z.string()),
});

export type BackupManifest = z.infer<typeof manifestSchema>;
export type BackupRepo = BackupManifest['repos'][number];

/**
 * A path inside the archive that may be written under the restored folder: relative, forward slashes, no empty,
 * `.` or `..` part, and made of plain characters (no NUL, no backslash).
 */
export function isSafeEntryPath(path: string): boolean {
  if (path.length === 0 || path.length > 400 || path.startsWith('/') || !/^[A-Za-z0-9._@+=/-]+$/.test(path)) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/** The manifest read from the archive's first entry; anything else is a corrupt or foreign archive. */
export function parseBackupManifest(text: string, archive: string): BackupManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BackupRefusedError(`${archive} is not a Slipway backup or is corrupt: its manifest is not JSON (${(e as Error).message})`);
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (typeof format === 'number' && format > BACKUP_FORMAT)
    throw new BackupRefusedError(
      `${archive} was made by a newer Slipway (archive format ${format}; this one reads ${BACKUP_FORMAT}): restore it with that version or later`,
    );
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BackupRefusedError(
      `${archive} is not a Slipway backup or is corrupt: its manifest is not as expected (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`,
    );
  }
  const manifest = parsed.data;
  const names = new Set<string>();
  for (const f of manifest.files) {
    if (!isSafeEntryPath(f.path) || f.path === MANIFEST_ENTRY || names.has(f.path))
      throw new BackupRefusedError(`${archive} is not a Slipway backup or is corrupt: its manifest lists the file "${f.path.slice(0, 100)}"`);
    names.add(f.path);
  }
  for (const r of manifest.repos)
    for (const p of [r.bundle, r.config])
      if (p !== null && !names.has(p)) throw new BackupRefusedError(`${archive} is corrupt: the repo ${r.name} names ${p}, which the manifest does not list`);
  return manifest;
}

/** A backup made by a Slipway whose database is newer than this one's cannot be opened here. */
export function checkSchema(manifest: BackupManifest, knownSchema: number, archive: string): void {
  if (manifest.schemaVersion > knownSchema)
    throw new BackupRefusedError(
      `${archive} holds a database at schema version ${manifest.schemaVersion} (made by Slipway ${manifest.slipwayVersion}); this Slipway knows schema ${knownSchema} at most: upgrade Slipway first, then restore`,
    );
}

const NAME = /^slipway-backup-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)(-\d{1,4})?\.tar\.gz$/;

/** `slipway-backup-2026-05-01T03-00-00Z.tar.gz`; `-2`, `-3` … when a backup of the same second has the name. */
export function backupFileName(at: Date, attempt = 1): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(':', '-');
  return `slipway-backup-${stamp}${attempt > 1 ? `-${attempt}` : ''}.tar.gz`;
}

/** Whether `name` is an archive Slipway names (the only files listed, served and pruned in the backups folder). */
export function isBackupFileName(name: string): boolean {
  return NAME.test(name);
}
