// One commit's message and its patch against its first parent (root commits: against the empty tree).
import { NotFoundError } from '../shared/errors.js';
import { changedFiles, EMPTY_TREE, readPatch, type ChangedFile, type Patch } from './read-change-set.js';
import { readCommits, type CommitInfo } from './read-commits.js';

export interface CommitPatch {
  commit: CommitInfo;
  files: ChangedFile[];
  patch: Patch;
}

export async function readCommitPatch(gitdir: string, sha: string, options: { maxPatchBytes?: number } = {}): Promise<CommitPatch> {
  const commit = (await readCommits(gitdir, [sha], { withBody: true })).get(sha);
  if (!commit) throw new NotFoundError(`no commit ${sha.slice(0, 12)} in this app`);
  const parent = commit.parents[0] ?? EMPTY_TREE;
  const [files, patch] = await Promise.all([
    changedFiles(gitdir, parent, sha),
    readPatch(gitdir, ['diff', '--no-color', '--no-ext-diff', '-M', parent, sha, '--'], options.maxPatchBytes ?? 2 * 1024 * 1024),
  ]);
  return { commit, files, patch };
}
