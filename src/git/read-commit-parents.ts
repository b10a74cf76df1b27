// The parent links of the first commits of a history, in the same topological order as readHistory's pages:
// what the commit graph needs to know of the pages before the one it draws, so that its lanes continue where
// the earlier page left them. One `git rev-list --parents`, shas only (about 80 bytes a commit).
import { exec } from '../shared/exec.js';
import type { HistoryRef } from './read-history.js';

export interface CommitParents {
  sha: string;
  parents: string[];
}

/** The first `count` commits reachable from `refs` (which must exist), newest first in topological order. */
export async function readCommitParents(gitdir: string, refs: readonly HistoryRef[], count: number): Promise<CommitParents[]> {
  const n = Math.floor(count);
  if (refs.length === 0 || n <= 0) return [];
  const tips = [...new Set(refs.map((r) => r.sha))];
  const { stdout } = await exec('git', ['--git-dir', gitdir, 'rev-list', '--topo-order', '--parents', `--max-count=${n}`, ...tips, '--']);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha = '', ...parents] = line.trim().split(' ');
      return { sha, parents };
    });
}
