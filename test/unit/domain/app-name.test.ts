import { describe, expect, it } from 'vitest';
import { explainAppName, parseAppName } from '../../../src/domain/app-name.js';

describe('app names', () => {
  it.each(['a', 'my-app', 'app1', 'x'.repeat(40), '9lives'])('accepts %s', (name) => {
    expect(explainAppName(name)).toBeNull();
    expect(parseAppName(name)).toBe(name);
  });

  it.each([
    ['', /required/],
    ['x'.repeat(41), /at most 40/],
    ['My-App', /lowercase/],
    ['-app', /starts and ends/],
    ['app-', /starts and ends/],
    ['a_b', /lowercase/],
    ['a.b', /lowercase/],
    ['git', /reserved/],
    ['api', /reserved/],
    ['www', /reserved/],
    ['admin', /reserved/],
    ['builder', /reserved/],
    ['static', /reserved/],
    ['shop-preview', /-preview/],
  ])('refuses %j', (name, why) => {
    expect(explainAppName(name)).toMatch(why);
    expect(() => parseAppName(name)).toThrow(why);
  });

  it('refuses values that are not strings with INVALID_APP_NAME', () => {
    expect(() => parseAppName(42)).toThrow(expect.objectContaining({ code: 'INVALID_APP_NAME', status: 400 }));
  });
});
