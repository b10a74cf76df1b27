// What an app (or every app) takes on disk, as the settings page and the about page show it.
import type { DiskUse } from '../../pipeline/measure-disk-use.js';

export interface DiskUseView {
  rows: { what: string; count: string | null; size: string }[];
  total: string;
  /** Docker did not answer: images are left out of the total. */
  imagesUnknown: string | null;
}

export function diskUseView(use: DiskUse): DiskUseView {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return {
    rows: [
      { what: 'Repository', count: null, size: formatSize(use.repoBytes) },
      {
        what: 'Images',
        count: use.imageCount === null ? null : plural(use.imageCount, 'image'),
        size: use.imageBytes === null ? 'unknown' : formatSize(use.imageBytes),
      },
      { what: 'Logs', count: plural(use.logCount, 'log'), size: formatSize(use.logBytes) },
    ],
    total: formatSize(use.totalBytes),
    imagesUnknown: use.imageBytes === null ? `Docker did not answer (${use.imagesError ?? 'no reason given'}), so images are not counted.` : null,
  };
}

/** "0 B", "812 KiB", "1.4 GiB". */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 || n >= 100 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}
