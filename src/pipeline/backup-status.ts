// What the last backup did, kept in DATA_DIR/backup-status.json by whichever process made it (the server's schedule,
// the API, `slipway backup`), so that `slipway doctor` in another process and the about page can say it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../tls/certificate-files.js';

export type BackupTrigger = 'schedule' | 'api' | 'ui' | 'cli';

export interface BackupAttempt {
  at: string;
  trigger: BackupTrigger;
  result: 'ok' | 'failed';
  durationMs: number;
  /** The archive (ok only). */
  file?: string;
  size?: number;
  apps?: number;
  /** Why it failed. */
  error?: string;
}

export interface BackupStatus {
  last: BackupAttempt;
  /** The last one that worked (the same as `last` when it did). */
  lastOk: BackupAttempt | null;
}

function statusFile(dataDir: string): string {
  return join(dataDir, 'backup-status.json');
}

export function readBackupStatus(dataDir: string): BackupStatus | null {
  try {
    const s = JSON.parse(readFileSync(statusFile(dataDir), 'utf8')) as BackupStatus;
    return s && typeof s.last?.at === 'string' ? s : null;
  } catch {
    return null;
  }
}

export function recordBackupAttempt(dataDir: string, attempt: BackupAttempt): BackupStatus {
  const status: BackupStatus = { last: attempt, lastOk: attempt.result === 'ok' ? attempt : (readBackupStatus(dataDir)?.lastOk ?? null) };
  writePrivateFile(statusFile(dataDir), `${JSON.stringify(status, null, 2)}\n`);
  return status;
}
