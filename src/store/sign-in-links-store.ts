// One-time sign-in links an admin makes for a person: stored as hashes, short-lived, and used at most once
// (the use is one conditional UPDATE, so two clicks cannot both sign in).
import { hashToken, newId } from '../shared/ids.js';
import type { Db } from './open-database.js';

export interface SignInLinkRecord {
  id: string;
  personId: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
}

export interface SignInLinksStore {
  add(input: { personId: string; createdBy: string; expiresAt: string }, secret: string): SignInLinkRecord;
  /** Marks the link used and returns it, when it exists, is unused and has not expired; undefined otherwise. */
  use(secret: string): SignInLinkRecord | undefined;
  /** Removes links that expired or were used before `before` (they can never sign anyone in again). */
  prune(before: string): number;
}

export function createSignInLinksStore(db: Db): SignInLinksStore {
  const insert = db.prepare('INSERT INTO sign_in_links (id, hash, person_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
  const use = db.prepare<[{ now: string; hash: string }], { id: string; person_id: string; created_by: string; created_at: string; expires_at: string }>(
    'UPDATE sign_in_links SET used_at = @now WHERE hash = @hash AND used_at IS NULL AND expires_at > @now RETURNING id, person_id, created_by, created_at, expires_at',
  );
  const prune = db.prepare<[{ before: string }]>('DELETE FROM sign_in_links WHERE expires_at < @before OR used_at < @before');
  return {
    add(input, secret) {
      const record: SignInLinkRecord = { id: newId('lnk'), ...input, createdAt: new Date().toISOString() };
      insert.run(record.id, hashToken(secret), record.personId, record.createdBy, record.createdAt, record.expiresAt);
      return record;
    },
    use(secret) {
      const now = new Date().toISOString();
      const r = use.get({ now, hash: hashToken(secret) });
      return r ? { id: r.id, personId: r.person_id, createdBy: r.created_by, createdAt: r.created_at, expiresAt: r.expires_at } : undefined;
    },
    prune: (before) => prune.run({ before }).changes,
  };
}
