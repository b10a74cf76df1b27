import { afterEach, describe, expect, it } from 'vitest';
import { checkSession, signInWithToken } from '../../../src/auth/authenticate-session.js';
import { createStore, type Store } from '../../../src/store/create-store.js';
import type { Config } from '../../../src/config/load-config.js';

const ADMIN = 'operator-chosen-admin-token-0123';
let store: Store;
const deps = (adminToken?: string) => ({ config: { adminToken } as Config, store });

afterEach(() => store?.close());

describe('UI sessions', () => {
  it('signs in with a stored token, keeps only its id, and ends when the token is revoked', () => {
    store = createStore(':memory:');
    const record = store.tokens.add({ name: 'laptop', personId: 'per_admin' }, 'slw_stored-token-value-000000000000');
    const claim = signInWithToken(deps(), ' slw_stored-token-value-000000000000 ');
    expect(claim).toMatchObject({ name: 'admin', tokenId: record.id });
    expect(JSON.stringify(claim)).not.toContain('stored-token-value');
    expect(checkSession(deps(), claim)).toMatchObject({ name: 'admin', tokenName: 'laptop', grant: { admin: true } });
    store.tokens.revoke(record.id);
    expect(checkSession(deps(), claim)).toBeNull();
  });

  it('signs in with SLIPWAY_ADMIN_TOKEN; the session ends when the operator changes it', () => {
    store = createStore(':memory:');
    const claim = signInWithToken(deps(ADMIN), ADMIN);
    expect(claim?.tokenId).toMatch(/^env:[0-9a-f]{24}$/);
    expect(JSON.stringify(claim)).not.toContain(ADMIN);
    expect(checkSession(deps(ADMIN), claim)).toMatchObject({ name: 'admin', tokenName: 'SLIPWAY_ADMIN_TOKEN', grant: { admin: true } });
    expect(checkSession(deps('another-admin-token-0123456789'), claim)).toBeNull();
    expect(checkSession(deps(undefined), claim)).toBeNull();
  });

  it('refuses unknown tokens and malformed claims', () => {
    store = createStore(':memory:');
    expect(signInWithToken(deps(ADMIN), 'slw_unknown')).toBeNull();
    expect(signInWithToken(deps(ADMIN), '')).toBeNull();
    expect(signInWithToken(deps(ADMIN), 42)).toBeNull();
    for (const claim of [null, 'x', {}, { name: 'admin' }, { name: 'admin', tokenId: 'tok_nope' }, { name: 'admin', tokenId: 'env:000' }])
      expect(checkSession(deps(ADMIN), claim)).toBeNull();
  });
});
