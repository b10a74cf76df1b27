// What each app takes on disk: its bare repo, its images in Docker and its log files, for the API, the app's
// settings page and (summed) the about page. Sizes are what the disk holds (allocated blocks, as `du` counts).
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LOG_KINDS } from '../domain/plan-retention.js';
import { repoPath } from '../git/repo-path.js';
import { messageOf } from '../shared/errors.js';
import { builtImages } from './built-images.js';
import type { PipelineDeps } from './deps.js';

export interface DiskUse {
  /** The bare repo. */
  repoBytes: number;
  /**
   * The app's images that Docker has (layers an image shares with others, the base image above all, count in each).
   * Null when Docker did not answer; `imagesError` says why.
   */
  imageBytes: number | null;
  imageCount: number | null;
  /** Build, deployment and job-run logs still on disk. */
  logBytes: number;
  logCount: number;
  /** The sum of what is known. */
  totalBytes: number;
  imagesError?: string;
}

export interface DiskUseReport {
  apps: Map<string, DiskUse>;
  total: DiskUse;
}

type DiskDeps = Pick<PipelineDeps, 'config' | 'store' | 'docker' | 'images'>;

const DOCKER_WAIT_MS = 2000;

/** Measures the apps named (every app when none are), asking Docker once for the sizes of all their images. */
export async function measureDiskUse(deps: DiskDeps, only?: readonly string[]): Promise<DiskUseReport> {
  const apps = only ?? deps.store.apps.list().map((a) => a.name);
  const images = apps.flatMap((app) => deps.store.retention.imagesLeft(app));
  let sizes: Map<string, number> | null = null;
  let imagesError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    // A page or an API answer waits for Docker at most this long; then images are left out and the reason said.
    const late = new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${DOCKER_WAIT_MS / 1000} s`)), DOCKER_WAIT_MS)),
    );
    sizes = await Promise.race([builtImages(deps).sizes(deps.docker, images), late]);
  } catch (e) {
    imagesError = messageOf(e);
  } finally {
    clearTimeout(timer);
  }
  const report: DiskUseReport = { apps: new Map(), total: empty(sizes, imagesError) };
  for (const app of apps) {
    const use = await measureApp(deps, app, sizes, imagesError);
    report.apps.set(app, use);
    const t = report.total;
    t.repoBytes += use.repoBytes;
    t.logBytes += use.logBytes;
    t.logCount += use.logCount;
    if (t.imageBytes !== null && use.imageBytes !== null && t.imageCount !== null && use.imageCount !== null) {
      t.imageBytes += use.imageBytes;
      t.imageCount += use.imageCount;
    }
    t.totalBytes += use.totalBytes;
  }
  return report;
}

function empty(sizes: Map<string, number> | null, imagesError: string | undefined): DiskUse {
  return {
    repoBytes: 0,
    imageBytes: sizes ? 0 : null,
    imageCount: sizes ? 0 : null,
    logBytes: 0,
    logCount: 0,
    totalBytes: 0,
    ...(imagesError ? { imagesError } : {}),
  };
}

async function measureApp(deps: DiskDeps, app: string, sizes: Map<string, number> | null, imagesError: string | undefined): Promise<DiskUse> {
  const use = empty(sizes, imagesError);
  use.repoBytes = await folderBytes(repoPath(deps.config.dataDir, app));
  if (sizes && use.imageBytes !== null && use.imageCount !== null) {
    for (const image of deps.store.retention.imagesLeft(app)) {
      const size = sizes.get(image);
      if (size === undefined) continue;
      use.imageBytes += size;
      use.imageCount++;
    }
  }
  for (const kind of LOG_KINDS) {
    for (const log of deps.store.retention.logFiles(app, kind)) {
      if (log.removed) continue;
      const bytes = await fileBytes(log.path);
      if (bytes === null) continue;
      use.logBytes += bytes;
      use.logCount++;
    }
  }
  use.totalBytes = use.repoBytes + (use.imageBytes ?? 0) + use.logBytes;
  return use;
}

async function fileBytes(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.blocks * 512;
  } catch {
    // Gone since the row was read (a delete, retention): nothing on disk.
    return null;
  }
}

async function folderBytes(dir: string): Promise<number> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await folderBytes(path);
    else if (e.isFile()) total += (await fileBytes(path)) ?? 0;
  }
  return total;
}
