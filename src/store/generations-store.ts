// Generations (requests to Claude) with their outcome, and the event stream each produced, kept so that a
// client that connects late (or again) sees everything from the start.
import { newId } from '../shared/ids.js';
import type { Db } from './open-database.js';
import { toCamel } from './row-mapper.js';

export type GenerationStatus = 'running' | 'committed' | 'live' | 'nothing' | 'failed';
export type GenerationKind = 'request' | 'fix' | 'revert';

export interface GenerationRecord {
  id: string;
  app: string;
  kind: GenerationKind;
  /** The generation a fix repairs or a revert undoes. */
  parentId: string | null;
  prompt: string;
  requestedBy: string;
  model: string;
  status: GenerationStatus;
  summary: string | null;
  text: string;
  files: string[];
  usage: Record<string, number>;
  commit: string | null;
  errorCode: string | null;
  error: string | null;
  revertedBy: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface GenerationEventRecord {
  seq: number;
  event: string;
  data: unknown;
}

export interface GenerationsStore {
  create(input: { app: string; kind: GenerationKind; parentId?: string | null; prompt: string; requestedBy: string; model: string }): GenerationRecord;
  get(id: string): GenerationRecord | undefined;
  list(app: string, limit?: number): GenerationRecord[];
  running(app: string): GenerationRecord | undefined;
  update(
    id: string,
    fields: Partial<Pick<GenerationRecord, 'status' | 'summary' | 'text' | 'files' | 'usage' | 'commit' | 'errorCode' | 'error' | 'revertedBy' | 'finishedAt'>>,
  ): void;
  /** Appends an event; returns its sequence number. */
  appendEvent(id: string, event: string, data: unknown): number;
  events(id: string, afterSeq?: number): GenerationEventRecord[];
  /** Generations left running by a crashed process become failed. */
  failInterrupted(): number;
  /** Puts back a generation read from its commit (rebuilding from the repos); false when its id is there already. */
  restore(
    record: Pick<GenerationRecord, 'id' | 'app' | 'kind' | 'parentId' | 'prompt' | 'requestedBy' | 'model' | 'summary' | 'commit' | 'createdAt'>,
  ): boolean;
}

function toRecord(row: Record<string, unknown>): GenerationRecord {
  const r = toCamel<GenerationRecord & { files: string; usage: string }>(row);
  return { ...r, files: JSON.parse(r.files) as string[], usage: JSON.parse(r.usage) as Record<string, number> };
}

export function createGenerationsStore(db: Db): GenerationsStore {
  const insert = db.prepare(
    "INSERT INTO generations (id, app, kind, parent_id, prompt, requested_by, model, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)",
  );
  const get = db.prepare<[string], Record<string, unknown>>('SELECT * FROM generations WHERE id = ?');
  const restore = db.prepare(
    "INSERT OR IGNORE INTO generations (id, app, kind, parent_id, prompt, requested_by, model, status, summary, commit_sha, created_at, finished_at) VALUES (@id, @app, @kind, @parentId, @prompt, @requestedBy, @model, 'committed', @summary, @commit, @createdAt, @createdAt)",
  );
  const list = db.prepare<[string, number], Record<string, unknown>>('SELECT * FROM generations WHERE app = ? ORDER BY created_at DESC, rowid DESC LIMIT ?');
  const running = db.prepare<[string], Record<string, unknown>>("SELECT * FROM generations WHERE app = ? AND status = 'running' LIMIT 1");
  const lastSeq = db.prepare<[string], { seq: number | null }>('SELECT max(seq) AS seq FROM generation_events WHERE generation_id = ?');
  const insertEvent = db.prepare('INSERT INTO generation_events (generation_id, seq, event, data) VALUES (?, ?, ?, ?)');
  const events = db.prepare<[string, number], { seq: number; event: string; data: string }>(
    'SELECT seq, event, data FROM generation_events WHERE generation_id = ? AND seq > ? ORDER BY seq',
  );
  const interrupted = db.prepare(
    "UPDATE generations SET status = 'failed', error_code = 'INTERRUPTED', error = 'Slipway restarted while this generation ran; nothing was committed', finished_at = ? WHERE status = 'running'",
  );
  const columns: Record<string, string> = {
    status: 'status',
    summary: 'summary',
    text: 'text',
    files: 'files',
    usage: 'usage',
    commit: 'commit_sha',
    errorCode: 'error_code',
    error: 'error',
    revertedBy: 'reverted_by',
    finishedAt: 'finished_at',
  };
  const seqs = new Map<string, number>();
  return {
    create({ app, kind, parentId = null, prompt, requestedBy, model }) {
      const id = newId('g');
      insert.run(id, app, kind, parentId, prompt, requestedBy, model, new Date().toISOString());
      return toRecord(get.get(id)!);
    },
    get: (id) => {
      const row = get.get(id);
      return row ? toRecord(row) : undefined;
    },
    list: (app, limit = 100) => list.all(app, limit).map(toRecord),
    running: (app) => {
      const row = running.get(app);
      return row ? toRecord(row) : undefined;
    },
    update(id, fields) {
      const keys = Object.keys(fields).filter((k) => columns[k]);
      if (keys.length === 0) return;
      const values: Record<string, unknown> = { id };
      for (const k of keys) {
        const v = (fields as Record<string, unknown>)[k];
        values[k] = k === 'files' || k === 'usage' ? JSON.stringify(v) : v;
      }
      db.prepare(`UPDATE generations SET ${keys.map((k) => `${columns[k]} = @${k}`).join(', ')} WHERE id = @id`).run(values);
    },
    appendEvent(id, event, data) {
      const seq = (seqs.get(id) ?? lastSeq.get(id)?.seq ?? 0) + 1;
      seqs.set(id, seq);
      insertEvent.run(id, seq, event, JSON.stringify(data));
      return seq;
    },
    events: (id, afterSeq = 0) => events.all(id, afterSeq).map((e) => ({ seq: e.seq, event: e.event, data: JSON.parse(e.data) as unknown })),
    failInterrupted: () => interrupted.run(new Date().toISOString()).changes,
    restore: (r) => restore.run(r).changes > 0,
  };
}
