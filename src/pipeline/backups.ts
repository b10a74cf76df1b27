// Backups as the server and the CLI offer them: one at a time per process, each attempt recorded for the checks,
// archives in the backups folder listed and served by name, the newest SLIPWAY_BACKUP_KEEP kept there, and
// SLIPWAY_BACKUP_SCHEDULE fired by croner (UTC) while the server runs.
import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Cron } from 'croner';
import { isBackupFileName } from '../domain/backup-manifest.js';
import { ConflictError, messageOf, NotFoundError } from '../shared/errors.js';
import { readBackupStatus, recordBackupAttempt, type BackupStatus, type BackupTrigger } from './backup-status.js';
import type { PipelineDeps } from './deps.js';
import type { WorkTracker } from './work-tracker.js';
import { writeBackup, type BackupSummary } from './write-backup.js';

export interface BackupListing {
  name: string;
  size: number;
  createdAt: string;
}

export interface Backups {
  /** Makes an archive: into the backups folder (then pruned to the newest `keep`), or at `out`. */
  create(trigger: BackupTrigger, options?: { out?: string }): Promise<BackupSummary>;
  /** The archives in the backups folder, newest first. */
  list(): Promise<BackupListing[]>;
  /** An archive of the backups folder by name (404 for any other name). */
  find(name: string): Promise<{ path: string; size: number }>;
  /** The last attempt and the last good one, by whichever process made them. */
  status(): BackupStatus | null;
  /** When the schedule fires next (ISO), or null without one. */
  nextRun(): string | null;
  /** Starts the schedule (the server calls this; the CLI's pipeline never does). */
  start(): void;
  stop(): void;
}

/** Leftovers of a backup cut off by a crash (its staging folder, its partial archive) older than this go. */
const LEFTOVER_MS = 24 * 60 * 60_000;

export function createBackups(deps: Pick<PipelineDeps, 'config' | 'store' | 'log'>, work: WorkTracker): Backups {
  const { dir, keep, schedule } = deps.config.backup;
  const { dataDir } = deps.config;
  const log = deps.log.child('backup');
  let running: { since: string } | null = null;
  let cron: Cron | undefined;

  const list = async (): Promise<BackupListing[]> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const found: (BackupListing & { mtimeMs: number })[] = [];
    for (const name of names.filter(isBackupFileName)) {
      const s = await stat(join(dir, name)).catch(() => null);
      if (s?.isFile()) found.push({ name, size: s.size, createdAt: s.mtime.toISOString(), mtimeMs: s.mtimeMs });
    }
    return found.sort((a, b) => b.mtimeMs - a.mtimeMs || b.name.localeCompare(a.name)).map(({ name, size, createdAt }) => ({ name, size, createdAt }));
  };

  const prune = async (): Promise<void> => {
    for (const old of (await list()).slice(keep)) {
      await rm(join(dir, old.name), { force: true });
      log.info('old backup removed', { name: old.name, keep });
    }
    for (const name of await readdir(dir)) {
      if (!name.startsWith('.slipway-backup-')) continue;
      const s = await stat(join(dir, name)).catch(() => null);
      if (s && Date.now() - s.mtimeMs > LEFTOVER_MS) await rm(join(dir, name), { recursive: true, force: true });
    }
  };

  const run = async (trigger: BackupTrigger, out: string | undefined): Promise<BackupSummary> => {
    const at = new Date();
    try {
      const summary = await writeBackup(deps, out ? { file: out } : { dir });
      recordBackupAttempt(dataDir, {
        at: at.toISOString(),
        trigger,
        result: 'ok',
        durationMs: summary.durationMs,
        file: summary.file,
        size: summary.size,
        apps: summary.apps.length,
      });
      if (!out || resolve(out, '..') === resolve(dir)) await prune();
      return summary;
    } catch (e) {
      recordBackupAttempt(dataDir, { at: at.toISOString(), trigger, result: 'failed', durationMs: Date.now() - at.getTime(), error: messageOf(e) });
      // Who asked hears why (the API logs it as any failed request); a scheduled one has only the log.
      if (trigger === 'schedule') log.error('scheduled backup failed', { error: e });
      throw e;
    }
  };

  const backups: Backups = {
    async create(trigger, options = {}) {
      work.checkOpen();
      if (running) throw new ConflictError(`a backup is being made (since ${running.since}); wait for it to finish`);
      running = { since: new Date().toISOString() };
      try {
        return await work.track(run(trigger, options.out));
      } finally {
        running = null;
      }
    },
    list,
    async find(name) {
      const gone = new NotFoundError(`no backup named ${name.slice(0, 100)}`);
      if (!isBackupFileName(name)) throw gone;
      const s = await stat(join(dir, name)).catch(() => null);
      if (!s?.isFile()) throw gone;
      return { path: join(dir, name), size: s.size };
    },
    status: () => readBackupStatus(dataDir),
    nextRun() {
      if (!schedule) return null;
      const next = (cron ?? new Cron(schedule, { paused: true, timezone: 'UTC' })).nextRun();
      return next ? next.toISOString() : null;
    },
    start() {
      if (!schedule || cron) return;
      cron = new Cron(schedule, { timezone: 'UTC', protect: true }, () => {
        if (running) {
          log.warn('scheduled backup skipped: another backup is being made', { since: running.since });
          return;
        }
        void backups.create('schedule').catch(() => undefined); // recorded and logged by run()
      });
      log.info('backups scheduled', { schedule, next: backups.nextRun(), dir, keep });
    },
    stop() {
      cron?.stop();
      cron = undefined;
    },
  };
  return backups;
}
