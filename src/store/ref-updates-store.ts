// Ref updates received from the post-receive hook: committed before the hook returns, processed exactly once.
import type { Db } from './open-database.js';

export interface RefUpdateRecord {
  id: number;
  app: string;
  ref: string;
  oldSha: string;
  newSha: string;
  kind: string;
  environment: string | null;
  pusher: string;
  pushOptions: string[];
  receivedAt: string;
  processedAt: string | null;
  outcome: string | null;
}

export type NewRefUpdate = Pick<RefUpdateRecord, 'app' | 'ref' | 'oldSha' | 'newSha' | 'kind' | 'environment' | 'pusher' | 'pushOptions'>;

interface Row {
  id: number;
  app: string;
  ref: string;
  old_sha: string;
  new_sha: string;
  kind: string;
  environment: string | null;
  pusher: string;
  push_options: string;
  received_at: string;
  processed_at: string | null;
  outcome: string | null;
}

const toRecord = (r: Row): RefUpdateRecord => ({
  id: r.id,
  app: r.app,
  ref: r.ref,
  oldSha: r.old_sha,
  newSha: r.new_sha,
  kind: r.kind,
  environment: r.environment,
  pusher: r.pusher,
  pushOptions: JSON.parse(r.push_options) as string[],
  receivedAt: r.received_at,
  processedAt: r.processed_at,
  outcome: r.outcome,
});

export interface RefUpdatesStore {
  /** Inserts all updates of one push in one transaction; returns them with their ids. */
  record(updates: readonly NewRefUpdate[]): RefUpdateRecord[];
  get(id: number): RefUpdateRecord | undefined;
  pending(): RefUpdateRecord[];
  /** Marks an update processed; false when it already was (so it is handled exactly once). */
  markProcessed(id: number, outcome: string): boolean;
  listForApp(app: string, limit?: number): RefUpdateRecord[];
  /** When each branch of the app was last pushed to (newest update that did not delete it): ref → ISO time. */
  lastPushes(app: string): Map<string, string>;
}

export function createRefUpdatesStore(db: Db): RefUpdatesStore {
  const insert = db.prepare<[string, string, string, string, string, string | null, string, string, string]>(
    'INSERT INTO ref_updates (app, ref, old_sha, new_sha, kind, environment, pusher, push_options, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const byId = db.prepare<[number | bigint], Row>('SELECT * FROM ref_updates WHERE id = ?');
  const pending = db.prepare<[], Row>('SELECT * FROM ref_updates WHERE processed_at IS NULL ORDER BY id');
  const mark = db.prepare('UPDATE ref_updates SET processed_at = ?, outcome = ? WHERE id = ? AND processed_at IS NULL');
  const forApp = db.prepare<[string, number], Row>('SELECT * FROM ref_updates WHERE app = ? ORDER BY id DESC LIMIT ?');
  const lastPushes = db.prepare<[string, string], { ref: string; at: string }>(
    "SELECT ref, MAX(received_at) AS at FROM ref_updates WHERE app = ? AND ref LIKE 'refs/heads/%' AND new_sha <> ? GROUP BY ref",
  );
  const recordAll = db.transaction((updates: readonly NewRefUpdate[]) => {
    const now = new Date().toISOString();
    return updates.map((u) => {
      const { lastInsertRowid } = insert.run(u.app, u.ref, u.oldSha, u.newSha, u.kind, u.environment, u.pusher, JSON.stringify(u.pushOptions), now);
      return toRecord(byId.get(lastInsertRowid)!);
    });
  });
  return {
    record: (updates) => recordAll(updates),
    get: (id) => {
      const row = byId.get(id);
      return row ? toRecord(row) : undefined;
    },
    pending: () => pending.all().map(toRecord),
    markProcessed: (id, outcome) => mark.run(new Date().toISOString(), outcome, id).changes === 1,
    listForApp: (app, limit = 50) => forApp.all(app, limit).map(toRecord),
    lastPushes: (app) => new Map(lastPushes.all(app, '0'.repeat(40)).map((r) => [r.ref, r.at])),
  };
}
