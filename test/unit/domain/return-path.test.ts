// Where the access redirect may send a person back to: a path on the same host, never another site.
import { describe, expect, it } from 'vitest';
import { safeReturnPath } from '../../../src/domain/return-path.js';

describe('safeReturnPath', () => {
  it('keeps a path on the same host, with its query', () => {
    expect(safeReturnPath('/')).toBe('/');
    expect(safeReturnPath('/orders/7?tab=items&x=%2F%2Fevil.com')).toBe('/orders/7?tab=items&x=%2F%2Fevil.com');
  });

  it('turns anything that leaves the host into /', () => {
    for (const bad of [
      '//evil.com',
      '//evil.com/path',
      '/\\evil.com',
      '/\\/evil.com',
      'https://evil.com/',
      'http:evil.com',
      'javascript:alert(1)',
      'evil.com',
      '',
      '/\t/evil.com',
      '/ /evil.com',
      '/\n/evil.com',
      '/ünïcode',
      `/${'a'.repeat(3000)}`,
    ])
      expect(safeReturnPath(bad), JSON.stringify(bad)).toBe('/');
    expect(safeReturnPath(undefined)).toBe('/');
    expect(safeReturnPath(['/a', '/b'])).toBe('/');
  });
});
