import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';

const base = { SLIPWAY_DATA_DIR: '/tmp/slipway-branch-settings', SLIPWAY_RUNTIME: 'docker' };

describe('branch preview settings', () => {
  it('allow 5 branch previews per app, stopped after 14 idle days, unless told otherwise', () => {
    expect(loadConfig(base).branchPreviews).toEqual({ max: 5, ttlMs: 14 * 86_400_000 });
    expect(loadConfig({ ...base, SLIPWAY_MAX_BRANCH_PREVIEWS: '0', SLIPWAY_BRANCH_TTL_DAYS: '2' }).branchPreviews).toEqual({ max: 0, ttlMs: 2 * 86_400_000 });
  });

  it('refuse values that are not whole numbers in range, naming the setting', () => {
    expect(() => loadConfig({ ...base, SLIPWAY_MAX_BRANCH_PREVIEWS: 'many' })).toThrow(
      /SLIPWAY_MAX_BRANCH_PREVIEWS="many": expected a whole number from 0 to 100/,
    );
    expect(() => loadConfig({ ...base, SLIPWAY_BRANCH_TTL_DAYS: '0' })).toThrow(/SLIPWAY_BRANCH_TTL_DAYS="0": expected a whole number from 1 to 3650/);
    expect(() => loadConfig({ ...base, SLIPWAY_BRANCH_TTL_DAYS: '1.5' })).toThrow(/SLIPWAY_BRANCH_TTL_DAYS/);
  });
});
