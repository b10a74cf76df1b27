// Migration 8 on an existing installation: tokens made before people existed (every one an admin token) become
// the person "admin"'s, and still sign in, push and publish as an admin.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authenticateToken } from '../../../src/auth/authenticate-token.js';
import { authorize } from '../../../src/domain/authorize.js';
import { hashToken } from '../../../src/shared/ids.js';
import { createStore } from '../../../src/store/create-store.js';
import { migrations } from '../../../src/store/migrations.js';
import { openDatabase } from '../../../src/store/open-database.js';

describe('migration 8: people', () => {
  it('gives every existing token to an admin person, keeping its id, name, hash and last use', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'people-migration-')), 'slipway.db');
    const old = openDatabase(
      path,
      migrations.filter((m) => m.version <= 5),
    );
    old.prepare("INSERT INTO apps (name, template, created_at) VALUES ('shop', 'static-site', '2025-01-01T00:00:00Z')").run();
    old
      .prepare(
        "INSERT INTO tokens (id, name, hash, role, created_at, last_used_at) VALUES ('tok_old', 'laptop', ?, 'admin', '2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z')",
      )
      .run(hashToken('slw_an-old-admin-token-0123456789'));
    old.close();

    const store = createStore(path);
    try {
      expect(store.tokens.get('tok_old')).toMatchObject({
        name: 'laptop',
        personId: 'per_admin',
        app: null,
        scopes: [],
        expiresAt: null,
        lastUsedAt: '2025-02-01T00:00:00Z',
      });
      expect(store.people.get('per_admin')).toMatchObject({ name: 'admin', admin: true });
      const principal = authenticateToken({ config: { adminToken: undefined }, store }, 'slw_an-old-admin-token-0123456789');
      expect(principal).toMatchObject({ name: 'admin', tokenName: 'laptop' });
      for (const action of ['app:release', 'app:delete', 'people:manage', 'backups'] as const)
        expect(authorize(principal!.grant, action, action.startsWith('app:') ? 'shop' : undefined).allowed, action).toBe(true);
    } finally {
      store.close();
    }
  });
});
