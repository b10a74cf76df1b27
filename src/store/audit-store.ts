// The audit log: who (person and token), when, from where and what, one row per change. Append-only: rows are
// never changed (a trigger refuses updates); retention removes rows older than SLIPWAY_KEEP_AUDIT_DAYS, whole.
import type { Db } from './open-database.js';

export interface AuditEntry {
  id: number;
  at: string;
  personId: string | null;
  person: string;
  token: string | null;
  address: string | null;
  action: string;
  app: string | null;
  /** What the action was on, when not the app itself: a ref, a secret's name, a person, a token. */
  target: string | null;
  detail: Record<string, unknown>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'> & { at?: string };

export interface AuditFilter {
  app?: string;
  personId?: string;
  /** An action, or a prefix of actions ending in `.` (`token.`). */
  action?: string;
  since?: string;
  until?: string;
  /** Entries older than this id (the previous page's `next`). */
  before?: number;
  limit?: number;
}

export interface AuditStore {
  append(entry: NewAuditEntry): AuditEntry;
  /** Newest first; `next` is the cursor of the following page (null on the last). */
  list(filter?: AuditFilter): { entries: AuditEntry[]; next: number | null };
  /** Removes entries from before `before`; returns how many. */
  prune(before: string): number;
}

interface Row {
  id: number;
  at: string;
  person_id: string | null;
  person: string;
  token: string | null;
  address: string | null;
  action: string;
  app: string | null;
  target: string | null;
  detail: string;
}

const toEntry = (r: Row): AuditEntry => ({
  id: r.id,
  at: r.at,
  personId: r.person_id,
  person: r.person,
  token: r.token,
  address: r.address,
  action: r.action,
  app: r.app,
  target: r.target,
  detail: JSON.parse(r.detail) as Record<string, unknown>,
});

export function createAuditStore(db: Db): AuditStore {
  const insert = db.prepare(
    'INSERT INTO audit (at, person_id, person, token, address, action, app, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
  );
  const prune = db.prepare('DELETE FROM audit WHERE at < ?');
  return {
    append(entry) {
      const at = entry.at ?? new Date().toISOString();
      const detail = JSON.stringify(entry.detail ?? {});
      const { id } = insert.get(at, entry.personId, entry.person, entry.token, entry.address, entry.action, entry.app, entry.target, detail) as { id: number };
      return { ...entry, id, at };
    },
    list(filter = {}) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      const and = (clause: string, ...values: (string | number)[]) => {
        where.push(clause);
        args.push(...values);
      };
      if (filter.app !== undefined) and('app = ?', filter.app);
      if (filter.personId !== undefined) and('person_id = ?', filter.personId);
      if (filter.action?.endsWith('.')) and('substr(action, 1, ?) = ?', filter.action.length, filter.action);
      else if (filter.action !== undefined) and('action = ?', filter.action);
      if (filter.since !== undefined) and('at >= ?', filter.since);
      if (filter.until !== undefined) and('at < ?', filter.until);
      if (filter.before !== undefined) and('id < ?', filter.before);
      const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
      const sql = `SELECT * FROM audit${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit + 1}`;
      const rows = db.prepare<(string | number)[], Row>(sql).all(...args);
      const more = rows.length > limit;
      const entries = rows.slice(0, limit).map(toEntry);
      return { entries, next: more ? (entries.at(-1)?.id ?? null) : null };
    },
    prune: (before) => prune.run(before).changes,
  };
}
