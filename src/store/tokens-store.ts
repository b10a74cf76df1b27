// API and git tokens, stored only as SHA-256 hashes. Each belongs to a person and may be narrowed to one app and
// to scopes; it may expire. Its last use (time and address) is recorded.
import type { Scope } from '../domain/authorize.js';
import { hashToken, newId } from '../shared/ids.js';
import type { Db } from './open-database.js';

export interface TokenRecord {
  id: string;
  name: string;
  personId: string;
  /** The one app it is for (null: every app its person has a role on). */
  app: string | null;
  /** What it is narrowed to (empty: all its person may do). */
  scopes: Scope[];
  expiresAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  lastUsedFrom: string | null;
}

export interface NewToken {
  name: string;
  personId: string;
  app?: string | null;
  scopes?: readonly Scope[];
  expiresAt?: string | null;
}

interface Row {
  id: string;
  name: string;
  person_id: string;
  app: string | null;
  scopes: string;
  expires_at: string | null;
  created_at: string;
  last_used_at: string | null;
  last_used_from: string | null;
}

const toRecord = (r: Row): TokenRecord => ({
  id: r.id,
  name: r.name,
  personId: r.person_id,
  app: r.app,
  scopes: r.scopes === '' ? [] : (r.scopes.split(',') as Scope[]),
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  lastUsedFrom: r.last_used_from,
});

const COLUMNS = 'id, name, person_id, app, scopes, expires_at, created_at, last_used_at, last_used_from';

export interface TokensStore {
  /** Stores the hash of `token`. */
  add(input: NewToken, token: string): TokenRecord;
  /** The token's record when the hash is known and it has not expired; marks it used (when and from where). */
  verify(token: string, address?: string): TokenRecord | undefined;
  get(id: string): TokenRecord | undefined;
  count(): number;
  /** Every token, or one person's. */
  list(personId?: string): TokenRecord[];
  revoke(id: string): boolean;
}

export function createTokensStore(db: Db): TokensStore {
  const insert = db.prepare(
    'INSERT INTO tokens (id, name, hash, person_id, app, scopes, expires_at, created_at) VALUES (@id, @name, @hash, @personId, @app, @scopes, @expiresAt, @createdAt)',
  );
  const byHash = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM tokens WHERE hash = ?`);
  const byId = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM tokens WHERE id = ?`);
  const touch = db.prepare('UPDATE tokens SET last_used_at = ?, last_used_from = ? WHERE id = ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM tokens');
  const list = db.prepare<[], Row>(`SELECT ${COLUMNS} FROM tokens ORDER BY created_at`);
  const listFor = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM tokens WHERE person_id = ? ORDER BY created_at`);
  const revoke = db.prepare('DELETE FROM tokens WHERE id = ?');
  return {
    add(input, token) {
      const record: TokenRecord = {
        id: newId('tok'),
        name: input.name,
        personId: input.personId,
        app: input.app ?? null,
        scopes: [...(input.scopes ?? [])],
        expiresAt: input.expiresAt ?? null,
        createdAt: new Date().toISOString(),
        lastUsedAt: null,
        lastUsedFrom: null,
      };
      insert.run({ ...record, scopes: record.scopes.join(','), hash: hashToken(token) });
      return record;
    },
    verify(token, address) {
      const row = byHash.get(hashToken(token));
      if (!row) return undefined;
      const now = new Date().toISOString();
      if (row.expires_at !== null && row.expires_at <= now) return undefined;
      // Once a minute (or from a new address) is enough for "last used"; it keeps writes off the hot path of fetches.
      const from = address ?? row.last_used_from;
      if (!row.last_used_at || Date.parse(now) - Date.parse(row.last_used_at) > 60_000 || from !== row.last_used_from) {
        touch.run(now, from, row.id);
        row.last_used_at = now;
        row.last_used_from = from;
      }
      return toRecord(row);
    },
    get: (id) => {
      const row = byId.get(id);
      return row ? toRecord(row) : undefined;
    },
    count: () => count.get()?.n ?? 0,
    list: (personId) => (personId === undefined ? list.all() : listFor.all(personId)).map(toRecord),
    revoke: (id) => revoke.run(id).changes > 0,
  };
}
