// One page of an app's history: the commits reachable from some refs (the branches), newest first in topological
// order (children before parents, a branch's commits together: the order the commit graph is drawn in), read
// with `git log --skip -n` so that a page does not load the whole history, plus the total to page by. The total is
// remembered per set of branch tips (it only changes when a branch moves), and a long history gets a
// commit-graph file, which makes git's walks several times faster.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../shared/exec.js';
import { commitFormat, parseCommits, type CommitInfo } from './read-commits.js';

export interface HistoryPage {
  commits: CommitInfo[];
  /** Commits reachable from the refs in all. */
  total: number;
}

export interface HistoryRef {
  ref: string;
  sha: string;
}

const totals = new Map<string, number>();
const MAX_REMEMBERED = 500;
/** Above this many commits, a repo without a commit-graph gets one (in the background). */
const GRAPH_FROM = 1000;
const graphStarted = new Set<string>();

/** `refs` must exist (their current shas, as read with readRefs); an empty list gives an empty page. */
export async function readHistory(gitdir: string, refs: readonly HistoryRef[], options: { skip: number; limit: number }): Promise<HistoryPage> {
  if (refs.length === 0) return { commits: [], total: 0 };
  // The shas, not the names: a branch that moves between reading refs and reading the log cannot mix pages.
  const tips = [...new Set(refs.map((r) => r.sha))];
  const key = `${gitdir}\0${tips.join(' ')}`;
  const known = totals.get(key);
  const [log, total] = await Promise.all([
    exec('git', [
      '--git-dir',
      gitdir,
      'log',
      '-z',
      '--topo-order',
      `--format=${commitFormat(false)}`,
      `--skip=${Math.max(0, Math.floor(options.skip))}`,
      `--max-count=${Math.max(1, Math.floor(options.limit))}`,
      ...tips,
      '--',
    ]),
    known ?? exec('git', ['--git-dir', gitdir, 'rev-list', '--count', ...tips, '--']).then((r) => Number(r.stdout.trim()) || 0),
  ]);
  if (known === undefined) {
    if (totals.size >= MAX_REMEMBERED) totals.delete(totals.keys().next().value!);
    totals.set(key, total);
    if (total >= GRAPH_FROM) writeCommitGraphOnce(gitdir);
  }
  return { commits: parseCommits(log.stdout), total };
}

/** `git commit-graph write` once per repo and process when it has none; readers never wait for it. */
function writeCommitGraphOnce(gitdir: string): void {
  if (graphStarted.has(gitdir)) return;
  graphStarted.add(gitdir);
  if (existsSync(join(gitdir, 'objects', 'info', 'commit-graph')) || existsSync(join(gitdir, 'objects', 'info', 'commit-graphs'))) return;
  // --split writes an incremental layer; git takes its own lock, so a concurrent push is safe.
  void exec('git', ['--git-dir', gitdir, 'commit-graph', 'write', '--reachable', '--split', '--no-progress']).catch(() => graphStarted.delete(gitdir));
}
