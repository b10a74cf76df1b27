// One-time codes of the access redirect: single use, a minute long.
import { describe, expect, it } from 'vitest';
import { createAccessCodes } from '../../../src/auth/access-codes.js';

describe('one-time access codes', () => {
  const codeGrant = { app: 'shop', environment: 'preview', via: { kind: 'session' as const, name: 'ada', tokenId: 'tok_1' } };

  it('work once', () => {
    const codes = createAccessCodes();
    const code = codes.mint(codeGrant);
    expect(code).toMatch(/^acc_[A-Za-z0-9_-]{32}$/);
    expect(codes.redeem(code)).toEqual(codeGrant);
    expect(codes.redeem(code)).toBeNull();
    expect(codes.redeem('acc_made-up')).toBeNull();
  });

  it('expire after a minute', () => {
    let now = 0;
    const codes = createAccessCodes({ now: () => now });
    const late = codes.mint(codeGrant);
    const inTime = codes.mint(codeGrant);
    now = 59_999;
    expect(codes.redeem(inTime)).toEqual(codeGrant);
    now = 60_000;
    expect(codes.redeem(late)).toBeNull();
  });

  it('are each their own', () => {
    const codes = createAccessCodes();
    const a = codes.mint(codeGrant);
    const b = codes.mint({ ...codeGrant, app: 'blog' });
    expect(a).not.toBe(b);
    expect(codes.redeem(b)?.app).toBe('blog');
    expect(codes.redeem(a)?.app).toBe('shop');
  });
});
