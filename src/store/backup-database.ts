// The database's part in backups: a consistent copy taken while the server writes (SQLite's online backup API), and
// what a copy holds (its schema version and apps) read back without migrating it.
import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import { BackupRefusedError } from '../shared/errors.js';
import { migrations } from './migrations.js';
import type { Db } from './open-database.js';

/** The newest schema this Slipway knows: the version of its last migration. */
export function currentSchemaVersion(): number {
  return migrations.at(-1)?.version ?? 0;
}

export interface DatabaseCopy {
  schemaVersion: number;
  apps: { name: string; template: string }[];
}

/**
 * Copies the live database to `file` page by page with SQLite's backup API: the copy is the database as of one
 * moment, whatever is written meanwhile (writes through this connection go into the copy; one from another process
 * starts the copy again). The copy is a single file (no WAL beside it), readable by Slipway's user only.
 */
export async function copyDatabase(db: Db, file: string): Promise<DatabaseCopy> {
  await db.backup(file);
  chmodSync(file, 0o600);
  const copy = new Database(file);
  try {
    // The copy keeps the source's WAL mode in its header; one file is what goes into the archive.
    copy.pragma('journal_mode = DELETE');
    return readCopy(copy);
  } finally {
    copy.close();
  }
}

function readCopy(copy: Db): DatabaseCopy {
  const schemaVersion = copy.pragma('user_version', { simple: true }) as number;
  const apps = copy.prepare<[], { name: string; template: string }>('SELECT name, template FROM apps ORDER BY name').all();
  return { schemaVersion, apps };
}

/** Where a restored installation keeps the log of each record (log paths are stored whole). */
export type LogPathOf = (kind: 'builds' | 'deployments' | 'jobs', id: string) => string;

/**
 * Opens a restored copy (no migration: the server does that when it starts), checks it is whole, and points its
 * records' log paths into the folder it was restored to, so that no record reads or appends to the logs of the
 * installation it was copied from.
 */
export function prepareRestoredDatabase(file: string, logPathOf: LogPathOf): DatabaseCopy {
  let db: Db;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (e) {
    throw new BackupRefusedError(`the database in the backup cannot be opened: ${(e as Error).message}`, { cause: e });
  }
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupRefusedError(`the database in the backup is damaged: ${String(check)}`);
    const tables = new Set(
      db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all()
        .map((t) => t.name),
    );
    const relocate = (table: string, kind: Parameters<LogPathOf>[0]) => {
      if (!tables.has(table)) return;
      const rows = db.prepare<[], { id: string }>(`SELECT id FROM ${table}`).all();
      const update = db.prepare(`UPDATE ${table} SET log_path = ? WHERE id = ?`);
      for (const r of rows) update.run(logPathOf(kind, r.id), r.id);
    };
    db.transaction(() => {
      relocate('builds', 'builds');
      relocate('deployments', 'deployments');
      relocate('job_runs', 'jobs');
    })();
    return readCopy(db);
  } finally {
    db.close();
  }
}
