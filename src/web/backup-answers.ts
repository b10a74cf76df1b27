// Backups as the API and the about page show them: archives by name and download URL, never a path on the server.
import { basename } from 'node:path';
import type { BackupStatus } from '../pipeline/backup-status.js';

export const backupDownloadUrl = (name: string) => `/api/backups/${encodeURIComponent(name)}`;

/** The last attempt as the API shows it: the archive's name, never its path on the server. */
export function backupStatusAnswer(status: BackupStatus | null) {
  const attempt = (a: BackupStatus['last'] | null) =>
    a && {
      at: a.at,
      trigger: a.trigger,
      result: a.result,
      durationMs: a.durationMs,
      ...(a.file ? { name: basename(a.file), size: a.size ?? 0, apps: a.apps ?? 0 } : {}),
      ...(a.error ? { error: a.error } : {}),
    };
  return status ? { last: attempt(status.last), lastOk: attempt(status.lastOk) } : { last: null, lastOk: null };
}
