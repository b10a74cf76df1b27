// Access cookies of protected previews: signed, expiring, and useless once changed.
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readAccessCookie, signAccessCookie, type AccessGrant } from '../../../src/auth/access-cookie.js';

const key = randomBytes(32);
const grant: AccessGrant = { app: 'shop', environment: 'preview', via: { kind: 'session', name: 'ada', tokenId: 'tok_1' }, expiresAt: 1_000_000 };

describe('access cookies', () => {
  it('reads back what was signed, until it expires', () => {
    const value = signAccessCookie(key, grant);
    expect(readAccessCookie(key, value, 999_999)).toEqual(grant);
    expect(readAccessCookie(key, value, 1_000_000)).toBeNull();
    expect(readAccessCookie(key, value, 2_000_000)).toBeNull();
  });

  it('refuses a cookie changed by its holder, or signed with another key', () => {
    const value = signAccessCookie(key, grant);
    const [payload, mac] = value.split('.') as [string, string];
    const longer = Buffer.from(JSON.stringify({ ...grant, expiresAt: 9e15 })).toString('base64url');
    expect(readAccessCookie(key, `${longer}.${mac}`, 0)).toBeNull();
    const otherApp = Buffer.from(JSON.stringify({ ...grant, app: 'bank' })).toString('base64url');
    expect(readAccessCookie(key, `${otherApp}.${mac}`, 0)).toBeNull();
    expect(readAccessCookie(randomBytes(32), value, 0)).toBeNull();
    expect(readAccessCookie(key, `${payload}.`, 0)).toBeNull();
    expect(readAccessCookie(key, payload, 0)).toBeNull();
    expect(readAccessCookie(key, undefined, 0)).toBeNull();
    expect(readAccessCookie(key, 'x'.repeat(5000), 0)).toBeNull();
  });

  it('refuses a signed payload that is not a grant', () => {
    const payload = Buffer.from(JSON.stringify({ app: 'shop', environment: 'preview', expiresAt: 9e15, via: { kind: 'root' } })).toString('base64url');
    const mac = createHmac('sha256', key).update(payload).digest('base64url');
    expect(readAccessCookie(key, `${payload}.${mac}`, 0)).toBeNull();
  });
});
