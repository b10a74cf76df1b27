// Cookie headers: one cookie read, and Slipway's access cookie taken out before a request reaches an app.
import { describe, expect, it } from 'vitest';
import { readCookie, withoutCookie } from '../../../src/shared/cookie-header.js';

describe('cookie headers', () => {
  it('reads one cookie', () => {
    expect(readCookie('a=1; slipway_access=xyz.abc; b=2', 'slipway_access')).toBe('xyz.abc');
    expect(readCookie('xslipway_access=1', 'slipway_access')).toBeUndefined();
    expect(readCookie(undefined, 'a')).toBeUndefined();
  });

  it('removes one cookie and keeps the others as they were', () => {
    expect(withoutCookie('a=1; slipway_access=xyz; b=2', 'slipway_access')).toBe('a=1; b=2');
    expect(withoutCookie('slipway_access=xyz', 'slipway_access')).toBeUndefined();
    expect(withoutCookie('slipway_access=1;slipway_access=2; session=s=1', 'slipway_access')).toBe('session=s=1');
    expect(withoutCookie(undefined, 'a')).toBeUndefined();
  });
});
