// What differs between two commits of a bare repo: the commits only one side has, every changed file with git's
// own line counts, and the patches of the files that fit on a page (bounded, so a diff of thousands of files stays cheap).
// It reads only; the plan built from it lives in src/domain/plan-release-change.ts.
import { exec } from '../shared/exec.js';
import { commitFormat, parseCommits, type CommitInfo } from './read-commits.js';
import { readPatch, type Patch, type PatchLimits } from './read-patch.js';

export type { Patch } from './read-patch.js';

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

export interface ChangeSet {
  from: string | null;
  to: string;
  /** Commits in `to` and not in `from`, newest first (at most `commitLimit`). */
  added: CommitInfo[];
  addedTotal: number;
  /** Commits in `from` and not in `to` (what going to `to` takes away), newest first. */
  removed: CommitInfo[];
  removedTotal: number;
  /** Every changed file, in git's order, with `git diff --numstat`'s counts. */
  files: ChangedFile[];
  /** The patches of the files that fit on a page, in the order of `files` (`patch.truncated` when not all of them). */
  patch: Patch;
}

/** How much of a diff's patch a page renders at once: about 400 KB of diff2html's HTML at most, so that with the
 * list of every changed file the page of a 2,500-file diff stays under 1 MB. */
export const PATCH_LIMITS: PatchLimits = { maxFiles: 30, maxBytes: 128 * 1024, maxLines: 800, maxReadBytes: 256 * 1024 };
const statusOf: Record<string, FileStatus> = { A: 'added', M: 'modified', D: 'deleted', T: 'type-changed' };

export async function readChangeSet(
  gitdir: string,
  from: string | null,
  to: string,
  options: { commitLimit?: number; patchLimits?: PatchLimits; counts?: 'only' } = {},
): Promise<ChangeSet> {
  const limit = options.commitLimit ?? 100;
  // Applying a publish needs only which way production moves: one `git rev-list`, no file list or patch.
  if (options.counts === 'only') {
    const [addedTotal, removedTotal] = await countBoth(gitdir, from, to);
    return { from, to, added: [], addedTotal, removed: [], removedTotal, files: [], patch: { text: '', truncated: false, bytes: 0, files: 0 } };
  }
  const base = from ?? EMPTY_TREE;
  const [added, [addedTotal, removedTotal], removed, files, patch] = await Promise.all([
    commitsBetween(gitdir, from, to, limit),
    countBoth(gitdir, from, to),
    from ? commitsBetween(gitdir, to, from, limit) : Promise.resolve([]),
    changedFiles(gitdir, base, to),
    readPatch(gitdir, diffArgs(base, to), options.patchLimits ?? PATCH_LIMITS),
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

/** [commits only in `to`, commits only in `from`], counted by one `git rev-list`. */
async function countBoth(gitdir: string, from: string | null, to: string): Promise<[number, number]> {
  if (!from) {
    const r = await exec('git', ['--git-dir', gitdir, 'rev-list', '--count', to, '--']);
    return [Number(r.stdout.trim()) || 0, 0];
  }
  const r = await exec('git', ['--git-dir', gitdir, 'rev-list', '--count', '--left-right', `${from}...${to}`, '--']);
  const [left = '0', right = '0'] = r.stdout.trim().split('\t');
  return [Number(right) || 0, Number(left) || 0];
}

/** `git diff` arguments for the patch from `from` to `to` (renames off, as in the file list), optionally of the given paths. */
export function diffArgs(from: string, to: string, paths: readonly string[] = []): string[] {
  return ['diff', '--no-color', '--no-renames', '--no-ext-diff', from, to, '--', ...paths.map(literal)];
}

/** A path as a pathspec that matches exactly that path (no globs, no magic). */
const literal = (path: string): string => `:(literal)${path}`;

// The file list between two commits never changes (a sha names its content), and `--numstat` reads every changed
// blob: remembered, a second look at the same diff (the other layout, back from a file's page) skips it.
const remembered = new Map<string, ChangedFile[]>();
const MAX_REMEMBERED = 100;
const MAX_REMEMBERED_FILES = 20_000;
const FULL_SHA = /^[0-9a-f]{40}$/;

/** Changed files with line counts, in one process: `--raw` for the status, `--numstat` for the counts (`-` for binary). */
export async function changedFiles(gitdir: string, from: string, to: string, paths: readonly string[] = []): Promise<ChangedFile[]> {
  const key = paths.length === 0 && FULL_SHA.test(from) && FULL_SHA.test(to) ? `${gitdir}\0${from}\0${to}` : null;
  const known = key ? remembered.get(key) : undefined;
  if (known) return known.map((f) => ({ ...f }));
  const files = await readChangedFiles(gitdir, from, to, paths);
  if (key && files.length <= MAX_REMEMBERED_FILES) {
    if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
    remembered.set(
      key,
      files.map((f) => ({ ...f })),
    );
  }
  return files;
}

async function readChangedFiles(gitdir: string, from: string, to: string, paths: readonly string[]): Promise<ChangedFile[]> {
  const r = await exec('git', ['--git-dir', gitdir, 'diff', '--raw', '--numstat', '-z', '--no-renames', from, to, '--', ...paths.map(literal)]);
  // -z: raw entries are ":modes shas STATUS\0path\0", then numstat entries are "added\tdeleted\tpath\0".
  const parts = r.stdout.split('\0');
  const files: ChangedFile[] = [];
  const byPath = new Map<string, ChangedFile>();
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.startsWith(':')) {
      const path = parts[++i] ?? '';
      const file: ChangedFile = { path, status: statusOf[part.charAt(part.length - 1)] ?? 'modified', additions: null, deletions: null };
      files.push(file);
      byPath.set(path, file);
      continue;
    }
    const m = /^(\d+|-)\t(\d+|-)\t([\s\S]+)$/.exec(part);
    const file = m ? byPath.get(m[3]!) : undefined;
    if (file && m) {
      file.additions = m[1] === '-' ? null : Number(m[1]);
      file.deletions = m[2] === '-' ? null : Number(m[2]);
    }
  }
  return files;
}
