// One commit's message, its changed files and the patches of those that fit on a page, against its first parent
// (root commits: against the empty tree).
import { NotFoundError } from '../shared/errors.js';
import { changedFiles, diffArgs, EMPTY_TREE, PATCH_LIMITS, type ChangedFile, type Patch } from './read-change-set.js';
import { readCommits, type CommitInfo } from './read-commits.js';
import { readPatch, type PatchLimits } from './read-patch.js';

export interface CommitPatch {
  commit: CommitInfo;
  /** Every changed file, with `git diff --numstat`'s counts. */
  files: ChangedFile[];
  /** The patches of those that fit on a page. */
  patch: Patch;
}

export async function readCommitPatch(gitdir: string, sha: string, limits: PatchLimits = PATCH_LIMITS): Promise<CommitPatch> {
  const commit = (await readCommits(gitdir, [sha], { withBody: true })).get(sha);
  if (!commit) throw new NotFoundError(`no commit ${sha.slice(0, 12)} in this app`);
  const parent = commit.parents[0] ?? EMPTY_TREE;
  // Renames off, as in the file list: a renamed file shows as deleted and added, so list and patches match.
  const [files, patch] = await Promise.all([changedFiles(gitdir, parent, sha), readPatch(gitdir, diffArgs(parent, sha), limits)]);
  return { commit, files, patch };
}
