// Reads a unified patch from git, whole files only, within a file count, a byte and a line budget. A file too
// large for what is left is skipped (its patch is one click away) and later, smaller files still fit; git is
// stopped once the count is reached or it has printed `maxReadBytes`, so a diff of thousands of files costs what
// its first few files cost.
import { spawn } from 'node:child_process';
import { ExecError } from '../shared/errors.js';
import { redact } from '../shared/redact.js';

export interface Patch {
  /** Unified diff text of the files that fit, in git's order (whole files only). */
  text: string;
  /** Some changed files' patches are not in `text` (skipped as too large, or past a limit). */
  truncated: boolean;
  /** Bytes of `text`. */
  bytes: number;
  /** How many file patches `text` holds. */
  files: number;
}

export interface PatchLimits {
  maxFiles: number;
  maxBytes: number;
  /** Lines of patch text: what the rendered page's size follows (diff2html writes about 450 bytes per line). */
  maxLines: number;
  /** How much of git's output to read at most, kept or skipped. */
  maxReadBytes: number;
}

// Each file's patch starts with this line; lines inside a hunk start with ' ', '+', '-' or '\', so this cannot
// appear in a file's content.
const FILE_START = Buffer.from('\ndiff --git ');

/** Runs a git command that prints a patch and keeps the whole-file patches that fit in `limits`. */
export function readPatch(gitdir: string, args: readonly string[], limits: PatchLimits): Promise<Patch> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitdir, '-c', 'core.quotepath=false', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const kept: Buffer[] = [];
    const err: Buffer[] = [];
    let keptBytes = 0;
    let keptLines = 0;
    let files = 0;
    let read = 0;
    /** The file being read (or, while skipping it, only its last bytes, to find where the next one starts). */
    let pending: Buffer = Buffer.alloc(0);
    let skipping = false;
    let truncated = false;
    let stopped = false;

    const stop = (): void => {
      truncated = true;
      stopped = true;
      child.kill('SIGKILL');
    };
    const fits = (segment: Buffer): boolean =>
      files < limits.maxFiles && keptBytes + segment.length <= limits.maxBytes && keptLines + countLines(segment) <= limits.maxLines;
    /** One whole file's patch has been read. */
    const finish = (segment: Buffer): void => {
      if (skipping || !fits(segment)) {
        truncated = true;
        skipping = false;
        return;
      }
      kept.push(segment);
      keptBytes += segment.length;
      keptLines += countLines(segment);
      files++;
    };

    child.stdout.on('data', (b: Buffer) => {
      if (stopped) return;
      read += b.length;
      pending = pending.length === 0 ? b : Buffer.concat([pending, b]);
      // Search from just before the new bytes: a file boundary may straddle two chunks.
      let from = Math.max(0, pending.length - b.length - FILE_START.length);
      for (;;) {
        const at = pending.indexOf(FILE_START, from);
        if (at === -1) break;
        finish(pending.subarray(0, at + 1));
        pending = pending.subarray(at + 1);
        from = 0;
        // Another file starts and the count is reached, or less than a tenth of a budget is left: stop git rather
        // than read on, file after file, for one small enough.
        if (files >= limits.maxFiles || keptLines > limits.maxLines * 0.9 || keptBytes > limits.maxBytes * 0.9) return stop();
      }
      if (!skipping && !fits(pending)) skipping = true;
      if (skipping) pending = pending.subarray(Math.max(0, pending.length - FILE_START.length));
      if (read > limits.maxReadBytes) stop();
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new ExecError('git', null, redact(e.message))));
    child.on('close', (code) => {
      if (!stopped) {
        if (code !== 0)
          return reject(new ExecError(`git ${args[0] ?? ''}`, code, redact(Buffer.concat(err).toString('utf8').trim().split('\n').slice(-5).join('\n'))));
        if (pending.length > 0) finish(pending);
      }
      resolve({ text: Buffer.concat(kept).toString('utf8'), truncated, bytes: keptBytes, files });
    });
  });
}

function countLines(b: Buffer): number {
  let n = 0;
  for (let at = b.indexOf(10); at !== -1; at = b.indexOf(10, at + 1)) n++;
  return n;
}
