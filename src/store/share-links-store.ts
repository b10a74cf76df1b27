// Share links of protected environments: kept as the hash of their token, with who made them, their expiry and,
// once revoked, when.
import { hashToken } from '../shared/ids.js';
import type { Db } from './open-database.js';

export interface ShareLinkRecord {
  id: string;
  app: string;
  environment: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

interface Row {
  id: string;
  app: string;
  environment: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

const toRecord = (r: Row): ShareLinkRecord => ({
  id: r.id,
  app: r.app,
  environment: r.environment,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

export interface ShareLinksStore {
  /** Stores the link with the hash of `token`. */
  add(record: Omit<ShareLinkRecord, 'revokedAt'>, token: string): void;
  /** The link whose token this is (revoked and expired ones too: the caller says which). */
  byToken(token: string): ShareLinkRecord | undefined;
  get(id: string): ShareLinkRecord | undefined;
  listForApp(app: string): ShareLinkRecord[];
  /** Marks the link revoked at `at`; false when it is not the app's or was revoked already. */
  revoke(app: string, id: string, at: string): boolean;
}

export function createShareLinksStore(db: Db): ShareLinksStore {
  const insert = db.prepare(
    'INSERT INTO share_links (id, app, environment, hash, created_by, created_at, expires_at) VALUES (@id, @app, @environment, @hash, @createdBy, @createdAt, @expiresAt)',
  );
  const byHash = db.prepare<[string], Row>('SELECT * FROM share_links WHERE hash = ?');
  const get = db.prepare<[string], Row>('SELECT * FROM share_links WHERE id = ?');
  const listForApp = db.prepare<[string], Row>('SELECT * FROM share_links WHERE app = ? ORDER BY created_at DESC, id');
  const revoke = db.prepare('UPDATE share_links SET revoked_at = ? WHERE app = ? AND id = ? AND revoked_at IS NULL');
  return {
    add: (record, token) => void insert.run({ ...record, hash: hashToken(token) }),
    byToken: (token) => {
      const row = byHash.get(hashToken(token));
      return row ? toRecord(row) : undefined;
    },
    get: (id) => {
      const row = get.get(id);
      return row ? toRecord(row) : undefined;
    },
    listForApp: (app) => listForApp.all(app).map(toRecord),
    revoke: (app, id, at) => revoke.run(at, app, id).changes > 0,
  };
}
