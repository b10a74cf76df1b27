// What differs between two commits of a bare repo: the commits only one side has, and the changed files with
// their line counts and the unified patch. It reads only; the plan built from it lives in
// src/domain/plan-release-change.ts.
import { spawn } from 'node:child_process';
import { ExecError } from '../shared/errors.js';
import { exec } from '../shared/exec.js';
import { redact } from '../shared/redact.js';
import { commitFormat, parseCommits, type CommitInfo } from './read-commits.js';

/** git's empty tree: the "before" of a first publish or a root commit. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export type FileStatus = 'added' | 'modified' | 'deleted' | 'type-changed';

export interface ChangedFile {
  path: string;
  status: FileStatus;
  /** null for binary files. */
  additions: number | null;
  deletions: number | null;
}

export interface Patch {
  /** Unified diff text (empty when truncated). */
  text: string;
  /** The patch was larger than the limit and is not given. */
  truncated: boolean;
  bytes: number;
}

export interface ChangeSet {
  from: string | null;
  to: string;
  /** Commits in `to` and not in `from`, newest first (at most `commitLimit`). */
  added: CommitInfo[];
  addedTotal: number;
  /** Commits in `from` and not in `to` (what going to `to` takes away), newest first. */
  removed: CommitInfo[];
  removedTotal: number;
  files: ChangedFile[];
  patch: Patch;
}

const MAX_PATCH_BYTES = 2 * 1024 * 1024;
const statusOf: Record<string, FileStatus> = { A: 'added', M: 'modified', D: 'deleted', T: 'type-changed' };

export async function readChangeSet(
  gitdir: string,
  from: string | null,
  to: string,
  options: { commitLimit?: number; maxPatchBytes?: number } = {},
): Promise<ChangeSet> {
  const limit = options.commitLimit ?? 100;
  const base = from ?? EMPTY_TREE;
  const [added, addedTotal, removed, removedTotal, files, patch] = await Promise.all([
    commitsBetween(gitdir, from, to, limit),
    countBetween(gitdir, from, to),
    from ? commitsBetween(gitdir, to, from, limit) : Promise.resolve([]),
    from ? countBetween(gitdir, to, from) : Promise.resolve(0),
    changedFiles(gitdir, base, to),
    readPatch(gitdir, ['diff', '--no-color', '--no-renames', '--no-ext-diff', base, to, '--'], options.maxPatchBytes ?? MAX_PATCH_BYTES),
  ]);
  return { from, to, added, addedTotal, removed, removedTotal, files, patch };
}

async function commitsBetween(gitdir: string, from: string | null, to: string, limit: number): Promise<CommitInfo[]> {
  const r = await exec('git', [
    '--git-dir',
    gitdir,
    'log',
    '-z',
    `--format=${commitFormat(false)}`,
    `--max-count=${limit}`,
    to,
    ...(from ? ['--not', from] : []),
    '--',
  ]);
  return parseCommits(r.stdout);
}

async function countBetween(gitdir: string, from: string | null, to: string): Promise<number> {
  const r = await exec('git', ['--git-dir', gitdir, 'rev-list', '--count', to, ...(from ? ['--not', from] : []), '--']);
  return Number(r.stdout.trim()) || 0;
}

/** Changed files with line counts (`--numstat` and `--name-status`, both NUL-separated). */
export async function changedFiles(gitdir: string, from: string, to: string): Promise<ChangedFile[]> {
  const [numstat, names] = await Promise.all([
    exec('git', ['--git-dir', gitdir, 'diff', '--numstat', '-z', '--no-renames', from, to, '--']),
    exec('git', ['--git-dir', gitdir, 'diff', '--name-status', '-z', '--no-renames', from, to, '--']),
  ]);
  const counts = new Map<string, { additions: number | null; deletions: number | null }>();
  for (const entry of numstat.stdout.split('\0')) {
    const m = /^(\d+|-)\t(\d+|-)\t([\s\S]+)$/.exec(entry);
    if (m) counts.set(m[3]!, { additions: m[1] === '-' ? null : Number(m[1]), deletions: m[2] === '-' ? null : Number(m[2]) });
  }
  const parts = names.stdout.split('\0');
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const path = parts[i + 1]!;
    const c = counts.get(path) ?? { additions: null, deletions: null };
    files.push({ path, status: statusOf[parts[i]!.charAt(0)] ?? 'modified', ...c });
  }
  return files;
}

/** Runs a git command that prints a patch, keeping at most `maxBytes` (the child is stopped past that). */
export function readPatch(gitdir: string, args: readonly string[], maxBytes: number): Promise<Patch> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitdir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let truncated = false;
    child.stdout.on('data', (b: Buffer) => {
      bytes += b.length;
      if (bytes > maxBytes) {
        if (!truncated) child.kill('SIGKILL');
        truncated = true;
        return;
      }
      chunks.push(b);
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new ExecError('git', null, redact(e.message))));
    child.on('close', (code) => {
      if (truncated) return resolve({ text: '', truncated: true, bytes });
      if (code !== 0)
        return reject(new ExecError(`git ${args[0] ?? ''}`, code, redact(Buffer.concat(err).toString('utf8').trim().split('\n').slice(-5).join('\n'))));
      resolve({ text: Buffer.concat(chunks).toString('utf8'), truncated: false, bytes });
    });
  });
}
