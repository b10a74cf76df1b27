// The about page's backups: the last attempt (time, size, result), the schedule, and the archives to download.
import { basename } from 'node:path';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { backupDownloadUrl } from '../backup-answers.js';

export interface BackupsView {
  schedule: string | null;
  nextRun: string | null;
  keep: number;
  last: { at: string; result: 'ok' | 'failed'; trigger: string; name: string | null; size: string | null; took: string; error: string | null } | null;
  lastOkAt: string | null;
  archives: { name: string; size: string; createdAt: string; url: string }[];
  /** The archive just made from this page, to say so. */
  made: string | null;
}

function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export async function backupsView(pipeline: Pipeline, made: string | null): Promise<BackupsView> {
  const { backups } = pipeline;
  const { schedule, keep } = pipeline.read.config.backup;
  const status = backups.status();
  const last = status?.last;
  return {
    schedule: schedule ?? null,
    nextRun: backups.nextRun(),
    keep,
    last: last
      ? {
          at: last.at,
          result: last.result,
          trigger: last.trigger,
          name: last.file ? basename(last.file) : null,
          size: last.size === undefined ? null : size(last.size),
          took: `${(last.durationMs / 1000).toFixed(1)} s`,
          error: last.error ?? null,
        }
      : null,
    lastOkAt: status?.lastOk?.at ?? null,
    archives: (await backups.list()).map((b) => ({ name: b.name, size: size(b.size), createdAt: b.createdAt, url: backupDownloadUrl(b.name) })),
    made,
  };
}
