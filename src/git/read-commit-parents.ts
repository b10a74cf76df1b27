// The parent links of the first commits of a history, in the same topological order as readHistory's pages:
// what the commit graph needs to know of the pages before the one it draws, so that its lanes continue where
// the earlier page left them. One `git rev-list --parents` (shas only, about 80 bytes a commit; 5,000 commits
// take git about 30 ms with a commit-graph file), remembered per set of branch tips like readHistory's total:
// the links only change when a branch moves, and paging back and forth then costs no process at all.
import { exec } from '../shared/exec.js';
import type { HistoryRef } from './read-history.js';

export interface CommitParents {
  sha: string;
  parents: string[];
}

const remembered = new Map<string, CommitParents[]>();
/** Sets of tips remembered (the newest few; a push makes a new set). */
const MAX_REMEMBERED = 16;

/** The first `count` commits reachable from `refs` (which must exist), newest first in topological order. */
export async function readCommitParents(gitdir: string, refs: readonly HistoryRef[], count: number): Promise<CommitParents[]> {
  const n = Math.floor(count);
  if (refs.length === 0 || n <= 0) return [];
  // The same tips in the same order as readHistory, so that both walks list the commits in the same order.
  const tips = [...new Set(refs.map((r) => r.sha))];
  const key = `${gitdir}\0${tips.join(' ')}`;
  const known = remembered.get(key);
  if (known && known.length >= n) return known.slice(0, n);
  const { stdout } = await exec('git', ['--git-dir', gitdir, 'rev-list', '--topo-order', '--parents', `--max-count=${n}`, ...tips, '--']);
  const list = stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha = '', ...parents] = line.trim().split(' ');
      return { sha, parents };
    });
  remembered.delete(key);
  if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
  remembered.set(key, list);
  return list;
}
