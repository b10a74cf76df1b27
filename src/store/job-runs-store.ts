// Runs of scheduled jobs (from the schedule or started by hand).
import { newId } from '../shared/ids.js';
import type { Db } from './open-database.js';
import { toCamel } from './row-mapper.js';

export interface JobRunRecord {
  id: string;
  app: string;
  environment: string;
  commit: string;
  trigger: 'schedule' | 'manual';
  status: 'running' | 'succeeded' | 'failed';
  exitCode: number | null;
  logPath: string;
  startedAt: string;
  finishedAt: string | null;
  /** When retention removed the log file; null while it is kept. */
  logRemovedAt: string | null;
}

export interface JobRunsStore {
  start(input: { app: string; environment: string; commit: string; trigger: 'schedule' | 'manual'; logPath: (id: string) => string }): JobRunRecord;
  finish(id: string, exitCode: number | null): void;
  get(id: string): JobRunRecord | undefined;
  list(app: string, limit?: number): JobRunRecord[];
  failInterrupted(): number;
}

export function createJobRunsStore(db: Db): JobRunsStore {
  const now = () => new Date().toISOString();
  const insert = db.prepare(
    "INSERT INTO job_runs (id, app, environment, commit_sha, trigger, status, log_path, started_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?)",
  );
  const finish = db.prepare('UPDATE job_runs SET status = ?, exit_code = ?, finished_at = ? WHERE id = ?');
  const get = db.prepare<[string], Record<string, unknown>>('SELECT * FROM job_runs WHERE id = ?');
  const list = db.prepare<[string, number], Record<string, unknown>>('SELECT * FROM job_runs WHERE app = ? ORDER BY started_at DESC, rowid DESC LIMIT ?');
  const interrupted = db.prepare("UPDATE job_runs SET status = 'failed', finished_at = ? WHERE status = 'running'");
  return {
    start({ app, environment, commit, trigger, logPath }) {
      const id = newId('j');
      insert.run(id, app, environment, commit, trigger, logPath(id), now());
      return toCamel<JobRunRecord>(get.get(id)!);
    },
    finish: (id, exitCode) => void finish.run(exitCode === 0 ? 'succeeded' : 'failed', exitCode, now(), id),
    get: (id) => {
      const row = get.get(id);
      return row ? toCamel<JobRunRecord>(row) : undefined;
    },
    list: (app, limit = 50) => list.all(app, limit).map((r) => toCamel<JobRunRecord>(r)),
    failInterrupted: () => interrupted.run(now()).changes,
  };
}
