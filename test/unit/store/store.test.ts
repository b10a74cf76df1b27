import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../../src/store/create-store.js';
import { migrate, openDatabase } from '../../../src/store/open-database.js';
import { migrations } from '../../../src/store/migrations.js';

const tmpDb = () => join(mkdtempSync(join(tmpdir(), 'store-')), 'slipway.db');

describe('store', () => {
  it('opens in WAL mode at the latest schema version, and re-opening is a no-op', () => {
    const path = tmpDb();
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
    db.close();
    const again = openDatabase(path);
    expect(again.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
    again.close();
  });

  it('refuses a database newer than the code', () => {
    const db = openDatabase(tmpDb());
    db.pragma('user_version = 999');
    expect(() => migrate(db, migrations)).toThrow(/schema version 999/);
  });

  it('stores only token hashes and verifies tokens', () => {
    const store = createStore(tmpDb());
    store.tokens.add({ name: 'ci', personId: 'per_admin' }, 'slw_secret-value-123456');
    const raw = store.db.prepare('SELECT * FROM tokens').all();
    expect(JSON.stringify(raw)).not.toContain('secret-value');
    expect(store.tokens.verify('slw_secret-value-123456')?.name).toBe('ci');
    expect(store.tokens.verify('slw_wrong')).toBeUndefined();
  });

  it('processes a recorded ref update exactly once, and deleting an app removes its records', () => {
    const store = createStore(tmpDb());
    store.apps.insert({ name: 'shop', template: 'static-site', description: '', createdAt: new Date().toISOString() });
    const [u] = store.refUpdates.record([
      {
        app: 'shop',
        ref: 'refs/heads/main',
        oldSha: 'a'.repeat(40),
        newSha: 'b'.repeat(40),
        kind: 'preview',
        environment: 'preview',
        pusher: 'me',
        pushOptions: ['async'],
      },
    ]);
    expect(u).toMatchObject({ app: 'shop', processedAt: null, pushOptions: ['async'] });
    expect(store.refUpdates.pending()).toHaveLength(1);
    expect(store.refUpdates.markProcessed(u!.id, 'done')).toBe(true);
    expect(store.refUpdates.markProcessed(u!.id, 'again')).toBe(false);
    expect(store.refUpdates.pending()).toHaveLength(0);
    store.apps.remove('shop');
    expect(store.refUpdates.listForApp('shop')).toHaveLength(0);
  });
});
