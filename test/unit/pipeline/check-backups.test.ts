// The Backups check of `slipway doctor` and /about: read from what the last backup recorded, whichever process made it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { recordBackupAttempt } from '../../../src/pipeline/backup-status.js';
import { checkBackups } from '../../../src/pipeline/check-installation.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const config = (env: Record<string, string> = {}) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-check-backups-'));
  dirs.push(dataDir);
  return loadConfig({ SLIPWAY_DATA_DIR: dataDir, ...env });
};
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const ok = (at: string) => ({
  at,
  trigger: 'schedule' as const,
  result: 'ok' as const,
  durationMs: 2300,
  file: '/x/slipway-backup-a.tar.gz',
  size: 3 * 1024 * 1024,
  apps: 4,
});

describe('the Backups check', () => {
  it('asks for a schedule when there is no backup and none planned', () => {
    expect(checkBackups(config())).toMatchObject({
      status: 'warn',
      detail: 'none yet, and none scheduled',
      fix: expect.stringContaining('SLIPWAY_BACKUP_SCHEDULE="0 3 * * *"'),
    });
    expect(checkBackups(config({ SLIPWAY_BACKUP_SCHEDULE: '0 3 * * *' }))).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^none yet; schedule "0 3 \* \* \*" \(UTC\), the newest 7 kept in /),
    });
  });

  it("says the last backup's time, size and result", () => {
    const c = config({ SLIPWAY_BACKUP_SCHEDULE: '0 0 1 1 *' });
    const at = hoursAgo(1);
    recordBackupAttempt(c.dataDir, ok(at));
    expect(checkBackups(c)).toEqual({
      name: 'Backups',
      status: 'ok',
      detail: `last ${at} (schedule): slipway-backup-a.tar.gz, 3 MiB, 4 app(s), took 2.3 s; schedule "0 0 1 1 *" (UTC), the newest 7 kept in ${c.backup.dir}`,
    });
  });

  it('fails when the last one failed, naming the last good one', () => {
    const c = config();
    const good = hoursAgo(30);
    recordBackupAttempt(c.dataDir, ok(good));
    recordBackupAttempt(c.dataDir, { at: hoursAgo(2), trigger: 'api', result: 'failed', durationMs: 10, error: 'ENOSPC: no space left on device' });
    expect(checkBackups(c)).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(new RegExp(`failed: ENOSPC: no space left on device; the last good one is from ${good}$`)),
    });
  });

  it('warns when the schedule should have made one since and did not (the server is not running)', () => {
    const c = config({ SLIPWAY_BACKUP_SCHEDULE: '0 3 * * *' });
    recordBackupAttempt(c.dataDir, ok(hoursAgo(50)));
    expect(checkBackups(c)).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/; none since the one due at \d{4}-\d{2}-\d{2}T03:00:00\.000Z$/),
      fix: expect.stringContaining('slipway serve'),
    });
  });
});
