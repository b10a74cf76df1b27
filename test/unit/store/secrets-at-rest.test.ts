// Secrets at rest: sealed with the data folder's secrets.key (AES-256-GCM), so the database alone reveals no value;
// values stored in plain text before are sealed when the store opens; a database moved without its key says so.
import { copyFileSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createStore, databasePath } from '../../../src/store/create-store.js';

const VALUE = 'sk_live_not-in-the-database-0123456789';
const folder = () => mkdtempSync(join(tmpdir(), 'slipway-secrets-'));
/** The store of a data folder, with the app `shop` (secrets belong to an app). */
const open = (dir: string) => {
  const store = createStore(databasePath(dir));
  if (!store.apps.get('shop')) store.apps.insert({ name: 'shop', template: 'static-site', description: '', createdAt: new Date().toISOString() });
  return store;
};
const raw = (dir: string) =>
  new Database(databasePath(dir), { readonly: true }).prepare('SELECT app, environment, name, value FROM secrets').all() as { name: string; value: string }[];

describe('secrets at rest', () => {
  it('are sealed in the database, with a key file of the data folder (0600), and read back', () => {
    const dir = folder();
    const store = open(dir);
    store.secrets.set('shop', 'prod', 'STRIPE_KEY', VALUE);
    expect(store.secrets.values('shop', 'prod')).toEqual({ STRIPE_KEY: VALUE });
    store.close();
    const rows = raw(dir);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.value).toMatch(/^v1:[A-Za-z0-9+/=]+$/);
    expect(rows[0]!.value).not.toContain(VALUE);
    // The file as a whole (pages, WAL) holds no copy of the value either.
    for (const f of ['slipway.db', 'slipway.db-wal']) {
      try {
        expect(readFileSync(join(dir, f)).includes(VALUE)).toBe(false);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    expect(statSync(join(dir, 'secrets.key')).mode & 0o777).toBe(0o600);
    const again = open(dir);
    expect(again.secrets.values('shop', 'prod')).toEqual({ STRIPE_KEY: VALUE });
    again.close();
  });

  it('a value moved to another row does not open', () => {
    const dir = folder();
    const store = open(dir);
    store.secrets.set('shop', 'prod', 'A', VALUE);
    store.secrets.set('shop', 'preview', 'B', 'other');
    store.db.prepare("UPDATE secrets SET value = (SELECT value FROM secrets WHERE name = 'A') WHERE name = 'B'").run();
    expect(() => store.secrets.values('shop', 'preview')).toThrow(/cannot be decrypted/);
    store.close();
  });

  it('plain values from before are sealed when the store opens', () => {
    const dir = folder();
    open(dir).close();
    const db = new Database(databasePath(dir));
    db.prepare("INSERT INTO secrets (app, environment, name, value, updated_at) VALUES ('shop', 'prod', 'OLD', ?, '2026-01-01T00:00:00Z')").run(VALUE);
    db.close();
    const store = open(dir);
    expect(raw(dir)[0]!.value).toMatch(/^v1:/);
    expect(store.secrets.values('shop', 'prod')).toEqual({ OLD: VALUE });
    store.close();
  });

  it('a database copied without its key file reveals nothing, and says why it cannot read the values', () => {
    const dir = folder();
    const store = open(dir);
    store.secrets.set('shop', 'prod', 'STRIPE_KEY', VALUE);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    const elsewhere = folder();
    copyFileSync(databasePath(dir), databasePath(elsewhere));
    const copy = open(elsewhere);
    expect(copy.secrets.names('shop', 'prod')).toEqual(['STRIPE_KEY']);
    expect(() => copy.secrets.values('shop', 'prod')).toThrow(/cannot be decrypted with this data folder's secrets\.key: was the database moved without it/);
    copy.close();
  });
});
