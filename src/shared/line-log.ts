// An append-only log file (builds, deployments, job runs): output cut into lines, appended to the log file and handed to anyone watching.
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { redact } from './redact.js';

/**
 * One line of progress, for the build log and anyone watching. `verdict`: the line states how the step ended (its
 * failure), which a summary shown right after (the push's closing lines) says anyway: such a watcher leaves it out.
 */
export type OnLine = (line: string, verdict?: boolean) => void;

export interface LineLog {
  /** Appends output that may hold several lines or end mid-line (the rest waits for the next write). */
  write(text: string): void;
  /** Appends one complete line of Slipway's own (after any unfinished line of Docker's). */
  line(text: string): void;
  /** Like `line`, for the step's closing verdict (its failure): watchers are told it is one. */
  verdict(text: string): void;
  /** Writes the unfinished line, if any, and closes the file. Safe to call twice. */
  close(): void;
}

/**
 * `maxBytes` caps the file (SLIPWAY_MAX_LOG_MB): past it one line says the log was cut, and later lines are neither
 * kept nor passed on, so a step that prints without end fills neither the disk nor a watcher.
 */
export function openLineLog(logFile: string, onLine: OnLine, maxBytes = Number.POSITIVE_INFINITY): LineLog {
  mkdirSync(dirname(logFile), { recursive: true });
  // Append mode, one write(2) per line and no buffering in this process: a reader tailing the file (the UI,
  // a `git push` printing "remote:" lines) sees each line as soon as Docker sent it.
  let fd: number | undefined = openSync(logFile, 'a');
  let written = fstatSync(fd).size;
  let cut = false;
  let partial = '';

  const emit = (raw: string, verdict = false) => {
    // Progress bars redraw with "\r"; blank lines (Docker sends "\n" after each step header) carry nothing.
    if (raw.trim() === '' || cut) return;
    let line = redact(raw.trimEnd());
    const bytes = Buffer.byteLength(line) + 1;
    if (written + bytes > maxBytes) {
      cut = true;
      line = `… the log was cut here, at ${(maxBytes / 2 ** 20).toFixed(0)} MiB (SLIPWAY_MAX_LOG_MB); what followed is not kept`;
    }
    written += bytes;
    if (fd !== undefined) writeSync(fd, `${line}\n`);
    if (verdict) onLine(line, true);
    else onLine(line);
  };

  const flushPartial = () => {
    if (partial !== '') emit(partial);
    partial = '';
  };

  return {
    write(text) {
      const parts = (partial + text).split(/\r\n|\n|\r/);
      partial = parts.pop() ?? '';
      for (const p of parts) emit(p);
    },
    line(text) {
      flushPartial();
      for (const p of text.split(/\r\n|\n|\r/)) emit(p);
    },
    verdict(text) {
      flushPartial();
      for (const p of text.split(/\r\n|\n|\r/)) emit(p, true);
    },
    close() {
      flushPartial();
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
