// Build records: one per attempt to turn a commit into an image.
import { newId } from '../shared/ids.js';
import type { Db } from './open-database.js';
import { toCamel } from './row-mapper.js';

export type BuildStatus = 'queued' | 'building' | 'succeeded' | 'failed' | 'superseded';

export interface BuildRecord {
  id: string;
  app: string;
  commit: string;
  image: string;
  status: BuildStatus;
  reused: number;
  error: string | null;
  /** 1 when only a person can fix it (a broken Dockerfile); 0 when a later pass retries (Docker was down). */
  needsPerson: number;
  logPath: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** When retention removed the image (a later use builds it again); null while it is kept. */
  imageRemovedAt: string | null;
  /** When retention removed the log file; null while it is kept. */
  logRemovedAt: string | null;
}

export interface BuildsStore {
  create(input: { app: string; commit: string; image: string; logPath: (id: string) => string }): BuildRecord;
  get(id: string): BuildRecord | undefined;
  /** The newest build of a commit. */
  latestFor(app: string, commit: string): BuildRecord | undefined;
  list(app: string, limit?: number): BuildRecord[];
  start(id: string): void;
  finish(id: string, result: { status: 'succeeded' | 'failed' | 'superseded'; reused?: boolean; error?: string; needsPerson?: boolean }): void;
  /** Marks records left `queued`/`building` by a crashed process as failed (retryable). Returns how many. */
  failInterrupted(reason: string): number;
}

export function createBuildsStore(db: Db): BuildsStore {
  const now = () => new Date().toISOString();
  const get = db.prepare<[string], Record<string, unknown>>('SELECT * FROM builds WHERE id = ?');
  const latest = db.prepare<[string, string], Record<string, unknown>>(
    'SELECT * FROM builds WHERE app = ? AND commit_sha = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
  );
  const list = db.prepare<[string, number], Record<string, unknown>>('SELECT * FROM builds WHERE app = ? ORDER BY created_at DESC, rowid DESC LIMIT ?');
  const insert = db.prepare('INSERT INTO builds (id, app, commit_sha, image, status, log_path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const start = db.prepare("UPDATE builds SET status = 'building', started_at = ? WHERE id = ?");
  const finish = db.prepare('UPDATE builds SET status = ?, reused = ?, error = ?, needs_person = ?, finished_at = ? WHERE id = ?');
  const interrupted = db.prepare("UPDATE builds SET status = 'failed', error = ?, needs_person = 0, finished_at = ? WHERE status IN ('queued', 'building')");
  const one = (row: Record<string, unknown> | undefined) => (row ? toCamel<BuildRecord>(row) : undefined);
  return {
    create({ app, commit, image, logPath }) {
      const id = newId('b');
      insert.run(id, app, commit, image, 'queued', logPath(id), now());
      return one(get.get(id))!;
    },
    get: (id) => one(get.get(id)),
    latestFor: (app, commit) => one(latest.get(app, commit)),
    list: (app, limit = 50) => list.all(app, limit).map((r) => toCamel<BuildRecord>(r)),
    start: (id) => void start.run(now(), id),
    finish: (id, r) => void finish.run(r.status, r.reused ? 1 : 0, r.error ?? null, r.needsPerson ? 1 : 0, now(), id),
    failInterrupted: (reason) => interrupted.run(reason, now()).changes,
  };
}
