import { describe, expect, it } from 'vitest';
import { compareReleases, isReleaseName, matchesTagGlob, nextReleaseName } from '../../../src/domain/release-name.js';

describe('release names', () => {
  it('plans the next vN after the highest release', () => {
    expect(nextReleaseName([])).toBe('v1');
    expect(nextReleaseName(['v1', 'v2', 'other'])).toBe('v3');
    expect(nextReleaseName(['v9', 'v10', 'v2.5.1'])).toBe('v11');
  });
  it('orders releases numerically', () => {
    expect(['v10', 'v2', 'v1.5', 'v1'].sort(compareReleases)).toEqual(['v1', 'v1.5', 'v2', 'v10']);
  });
  it('matches globs from environment files', () => {
    expect(matchesTagGlob('v3', 'v*')).toBe(true);
    expect(matchesTagGlob('x3', 'v*')).toBe(false);
    expect(isReleaseName('v3')).toBe(true);
    expect(isReleaseName('v3-rc1')).toBe(false);
  });
});
