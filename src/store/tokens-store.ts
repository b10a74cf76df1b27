// API and git tokens, stored only as SHA-256 hashes.
import { hashToken, newId } from '../shared/ids.js';
import type { Db } from './open-database.js';

export interface TokenRecord {
  id: string;
  name: string;
  role: 'admin';
  createdAt: string;
  lastUsedAt: string | null;
}

interface Row {
  id: string;
  name: string;
  role: 'admin';
  created_at: string;
  last_used_at: string | null;
}

const toRecord = (r: Row): TokenRecord => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at, lastUsedAt: r.last_used_at });

export interface TokensStore {
  /** Stores the hash of `token` under `name`. */
  add(name: string, token: string): TokenRecord;
  /** The token's record when the hash is known; marks it used. */
  verify(token: string): TokenRecord | undefined;
  count(): number;
  list(): TokenRecord[];
  revoke(id: string): boolean;
}

export function createTokensStore(db: Db): TokensStore {
  const insert = db.prepare('INSERT INTO tokens (id, name, hash, role, created_at) VALUES (?, ?, ?, ?, ?)');
  const byHash = db.prepare<[string], Row>('SELECT id, name, role, created_at, last_used_at FROM tokens WHERE hash = ?');
  const touch = db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM tokens');
  const list = db.prepare<[], Row>('SELECT id, name, role, created_at, last_used_at FROM tokens ORDER BY created_at');
  const revoke = db.prepare('DELETE FROM tokens WHERE id = ?');
  return {
    add(name, token) {
      const record: TokenRecord = { id: newId('tok'), name, role: 'admin', createdAt: new Date().toISOString(), lastUsedAt: null };
      insert.run(record.id, name, hashToken(token), record.role, record.createdAt);
      return record;
    },
    verify(token) {
      const row = byHash.get(hashToken(token));
      if (!row) return undefined;
      const now = new Date().toISOString();
      // Once a minute is enough for "last used"; it keeps writes off the hot path of git fetches.
      if (!row.last_used_at || Date.parse(now) - Date.parse(row.last_used_at) > 60_000) touch.run(now, row.id);
      return toRecord(row);
    },
    count: () => count.get()?.n ?? 0,
    list: () => list.all().map(toRecord),
    revoke: (id) => revoke.run(id).changes > 0,
  };
}
