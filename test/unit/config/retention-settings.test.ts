import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';

describe('retention settings', () => {
  it('keep 10 releases, 5 builds, 50 logs and a year of the audit log unless told otherwise', () => {
    expect(loadConfig({}).retention).toEqual({ keepReleases: 10, keepBuilds: 5, keepLogs: 50, keepAuditDays: 365 });
    expect(loadConfig({ SLIPWAY_KEEP_RELEASES: '3', SLIPWAY_KEEP_BUILDS: '0', SLIPWAY_KEEP_LOGS: '7', SLIPWAY_KEEP_AUDIT_DAYS: '30' }).retention).toEqual({
      keepReleases: 3,
      keepBuilds: 0,
      keepLogs: 7,
      keepAuditDays: 30,
    });
  });

  it.each([
    [{ SLIPWAY_KEEP_RELEASES: 'all' }, /SLIPWAY_KEEP_RELEASES="all": expected a whole number from 0/],
    [{ SLIPWAY_KEEP_BUILDS: '-1' }, /SLIPWAY_KEEP_BUILDS="-1": expected a whole number/],
    // A log that is still written, or that served, is never removed; but keeping none of the rest is no setting.
    [{ SLIPWAY_KEEP_LOGS: '0' }, /SLIPWAY_KEEP_LOGS="0": expected a whole number from 1/],
    [{ SLIPWAY_KEEP_AUDIT_DAYS: '0' }, /SLIPWAY_KEEP_AUDIT_DAYS="0": expected a whole number from 1/],
  ])('names the variable and what was expected: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
