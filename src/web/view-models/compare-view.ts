// Comparing any two commits or releases of an app: the commits each side has that the other has not, and the
// diff from one to the other.
import { readChangeSet } from '../../git/read-change-set.js';
import { readRefs } from '../../git/read-refs.js';
import { repoPath } from '../../git/repo-path.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { resolveCommits } from '../../git/resolve-commits.js';
import { checkCommitish } from '../../git/resolve-commitish.js';
import { NotFoundError } from '../../shared/errors.js';
import { commitSummaryView, type CommitSummaryView } from './commit-summary-view.js';
import { diffView, type DiffLayout, type DiffView } from './diff-view.js';

export interface CompareView {
  app: string;
  from: string;
  to: string;
  /** Branch and tag names to choose from. */
  names: string[];
  result: {
    from: { name: string; sha: string; short: string; href: string };
    to: { name: string; sha: string; short: string; href: string };
    onlyInTo: CommitSummaryView[];
    onlyInToTotal: number;
    onlyInFrom: CommitSummaryView[];
    onlyInFromTotal: number;
    diff: DiffView;
  } | null;
}

export async function compareView(
  deps: Pick<PipelineReads, 'config' | 'store'>,
  app: string,
  from: string,
  to: string,
  layout: DiffLayout,
): Promise<CompareView> {
  if (!deps.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  const gitdir = repoPath(deps.config.dataDir, app);
  const wanted = from && to ? [checkCommitish(from), checkCommitish(to)] : [];
  // One process for both names: on a large repo every process start counts.
  const [refs, [a, b]] = await Promise.all([readRefs(gitdir), resolveCommits(gitdir, wanted)]);
  const names = refs.map((r) => r.ref.replace(/^refs\/(heads|tags)\//, '')).filter((n) => !n.startsWith('refs/'));
  const view: CompareView = { app, from, to, names, result: null };
  if (!from || !to) return view;
  if (!a) throw new NotFoundError(`no commit, tag or branch "${from}" in this app`);
  if (!b) throw new NotFoundError(`no commit, tag or branch "${to}" in this app`);
  const change = await readChangeSet(gitdir, a, b);
  const side = (name: string, sha: string) => ({ name, sha, short: sha.slice(0, 12), href: `/apps/${app}/commits/${sha}` });
  view.result = {
    from: side(from, a),
    to: side(to, b),
    onlyInTo: change.added.map((c) => commitSummaryView(app, c, deps.store)),
    onlyInToTotal: change.addedTotal,
    onlyInFrom: change.removed.map((c) => commitSummaryView(app, c, deps.store)),
    onlyInFromTotal: change.removedTotal,
    diff: diffView(change.files, change.patch, layout, { app, from: a, to: b }),
  };
  return view;
}
