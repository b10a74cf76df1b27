// A stored log (build, deployment, job run) as text for an agent: its last lines, or all of it up to a byte cap
// (the end kept: that is where a failure is). Only the file's end is read, so a many-megabyte log costs little.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const WHOLE_LOG_BYTES = 1024 * 1024;
const TAIL_BYTES_PER_LINE = 512;

export interface LogText {
  text: string;
  lines: number;
  /** The log has more than what `text` holds. */
  truncated: boolean;
}

export function readLogText(path: string, options: { lines: number; whole: boolean }): LogText {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    // Queued work has no log file yet: an empty log, not an error.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', lines: 0, truncated: false };
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    const want = options.whole ? WHOLE_LOG_BYTES : Math.min(WHOLE_LOG_BYTES, options.lines * TAIL_BYTES_PER_LINE);
    const length = Math.min(size, want);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    let all = buffer.toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    // A read that starts mid-file starts mid-line: drop that partial line.
    if (length < size) all = all.slice(1);
    const kept = options.whole ? all : all.slice(-options.lines);
    return { text: kept.join('\n'), lines: kept.length, truncated: length < size || kept.length < all.length };
  } finally {
    closeSync(fd);
  }
}
