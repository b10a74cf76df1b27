// The history viewer's page: commits of every branch, newest first in topological order, drawn as a commit
// graph (lanes, merges, branch and tag labels, what each environment runs now) with a timeline of where each
// environment was beside it, and the same commits as a list (the screen readers' view, with requests, authors and
// builds). One `git log --skip -n` per page (plus the parent links of earlier pages, so that lanes continue), so
// that page 1 and page 100 of a long history cost about the same.
import { layoutCommitGraph } from '../../domain/layout-commit-graph.js';
import { layoutEnvironmentTimeline } from '../../domain/layout-environment-timeline.js';
import { readCommitParents } from '../../git/read-commit-parents.js';
import { readHistory } from '../../git/read-history.js';
import { readRefs, type RefEntry } from '../../git/read-refs.js';
import { repoPath } from '../../git/repo-path.js';
import { releasesOf } from '../../git/list-releases.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { NotFoundError } from '../../shared/errors.js';
import type { DeploymentRecord } from '../../store/deployments-store.js';
import { commitGraphView, type CommitGraphView } from './commit-graph-view.js';
import { commitSummaryView, type CommitSummaryView } from './commit-summary-view.js';
import { environmentTimelineView, type EnvironmentTimelineView } from './environment-timeline-view.js';
import { statusView, type StatusView } from './status-view.js';

export const HISTORY_PAGE_SIZE = 50;

export interface Marker {
  kind: 'branch' | 'tag' | 'runs' | 'ran';
  label: string;
  /** For environment markers: the environment's name (`preview`, `branch:feature-x`); the label is its title. */
  environment?: string;
  /** For environment markers: when (went live, or stopped being live). */
  at?: string | null;
}

export interface HistoryRowView extends CommitSummaryView {
  markers: Marker[];
  build: StatusView & { href: string | null };
}

/** One move of an environment's ref, with who made it (a push, a publish, a rollback, a generation). */
export interface EnvironmentMove {
  at: string;
  by: string;
  from: string | null;
  to: string;
  toHref: string;
  how: string;
}

export interface HistoryView {
  app: string;
  /** Who moved each environment, newest first (the last ten moves of each). */
  moves: { environment: string; title: string; moves: EnvironmentMove[] }[];
  rows: HistoryRowView[];
  graph: CommitGraphView;
  timeline: EnvironmentTimelineView;
  page: number;
  pages: number;
  total: number;
  branches: string[];
  prev: string | null;
  next: string | null;
}

export async function historyView(read: Pick<PipelineReads, 'config' | 'store'>, app: string, page: number, now = Date.now()): Promise<HistoryView> {
  if (!read.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  const gitdir = repoPath(read.config.dataDir, app);
  const refs = await readRefs(gitdir);
  const branches = branchesOf(read, refs);
  const skip = (page - 1) * HISTORY_PAGE_SIZE;
  const [history, earlier] = await Promise.all([readHistory(gitdir, branches, { skip, limit: HISTORY_PAGE_SIZE }), readCommitParents(gitdir, branches, skip)]);
  const pages = Math.max(1, Math.ceil(history.total / HISTORY_PAGE_SIZE));
  if (page > pages) throw new NotFoundError(`the history of ${app} has ${pages} page${pages === 1 ? '' : 's'}`);

  const deployments = read.store.deployments.list(app, 2000);
  const markers = markersOf(read, app, refs, deployments);
  const rows = history.commits.map((c) => {
    const build = read.store.builds.latestFor(app, c.sha);
    return {
      ...commitSummaryView(app, c, read.store),
      markers: markers.get(c.sha) ?? [],
      build: { ...statusView(build?.status ?? 'none'), href: build ? `/apps/${app}/builds/${build.id}` : null },
    };
  });
  // The lanes of this page continue those of the pages before it; main (the first environment's branch) keeps lane 0.
  const layout = layoutCommitGraph([...earlier, ...history.commits], { from: earlier.length, reserve: branches.slice(0, 1).map((b) => b.sha) });
  const graph = commitGraphView(layout, rows, { app, page, pages });
  const timeline = timelineOf(read, app, refs, deployments, history.commits, page === 1 ? now : null);
  const link = (p: number) => `/apps/${app}/history${p > 1 ? `?page=${p}` : ''}`;
  return {
    app,
    moves: environmentMoves(read, app),
    rows,
    graph,
    timeline,
    page,
    pages,
    total: history.total,
    branches: branches.map((r) => r.ref.slice('refs/heads/'.length)),
    prev: page > 1 ? link(page - 1) : null,
    next: page < pages ? link(page + 1) : null,
  };
}

const MOVES_SHOWN = 10;

/** The recorded moves of each environment's ref (the intake records every one with who asked), newest first. */
export function environmentMoves(read: Pick<PipelineReads, 'config' | 'store'>, app: string): HistoryView['moves'] {
  const updates = read.store.refUpdates.listForApp(app, 500);
  const short = (sha: string) => sha.slice(0, 12);
  return read.config.environments.map((env) => ({
    environment: env.name,
    title: env.title,
    moves: updates
      .filter((u) => u.environment === env.name && u.kind !== 'ignore')
      .slice(0, MOVES_SHOWN)
      .map((u) => ({
        at: u.receivedAt,
        by: u.pusher || 'unknown',
        from: /^0+$/.test(u.oldSha) ? null : short(u.oldSha),
        to: short(u.newSha),
        toHref: `/apps/${app}/commits/${u.newSha}`,
        how: u.ref.startsWith('refs/tags/') ? `tag ${u.ref.slice('refs/tags/'.length)}` : u.ref.replace(/^refs\/heads\//, ''),
      })),
  }));
}

/** Every branch: the environments' branches first, in their order (main, prod), then the others by name. */
function branchesOf(read: Pick<PipelineReads, 'config'>, refs: readonly RefEntry[]): RefEntry[] {
  const heads = refs.filter((r) => r.ref.startsWith('refs/heads/'));
  const followed = [...new Set(read.config.environments.map((e) => e.ref))];
  const rank = (ref: string) => (followed.includes(ref) ? followed.indexOf(ref) : followed.length);
  return [...heads].sort((a, b) => rank(a.ref) - rank(b.ref) || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

/**
 * The timeline's period: from the first deployment of this page's commits (their first commit when none was
 * deployed) to now on the first page, and to the last thing that happened to this page's commits on later ones.
 */
function timelineOf(
  read: Pick<PipelineReads, 'config'>,
  app: string,
  refs: readonly RefEntry[],
  deployments: readonly DeploymentRecord[],
  commits: readonly { sha: string; authoredAt: string }[],
  now: number | null,
): EnvironmentTimelineView {
  const shas = new Set(commits.map((c) => c.sha));
  const mine = deployments.filter((d) => shas.has(d.commit));
  const times = (isos: (string | null)[]) => isos.map((t) => (t ? Date.parse(t) : NaN)).filter(Number.isFinite);
  const started = times(mine.length ? mine.map((d) => d.createdAt) : commits.map((c) => c.authoredAt));
  const ended = times(mine.length ? mine.map((d) => d.finishedAt ?? d.createdAt) : commits.map((c) => c.authoredAt));
  let to = now ?? (ended.length ? Math.max(...ended) : Date.now());
  let from = started.length ? Math.min(...started) : to - 3_600_000;
  if (to - from < 10_000) from = to - 10_000;
  // A little room before the first event and after the last, so that neither sits on the edge.
  const margin = (to - from) * 0.03;
  from -= margin;
  if (now === null) to += margin;
  const environments = read.config.environments.map((e) => e.name);
  const tags = new Map<string, string[]>();
  for (const r of releasesOf(refs)) tags.set(r.commit, [...(tags.get(r.commit) ?? []), r.tag]);
  return environmentTimelineView(
    layoutEnvironmentTimeline(deployments, { from, to }, environments),
    {
      titles: new Map(read.config.environments.map((e) => [e.name, e.title])),
      tags,
    },
    app,
  );
}

/**
 * Branch and tag markers from the refs, and environment markers from the deployments, by commit. Environments are
 * the names in the deployment records (configured ones first, titled; any other, such as a branch preview's, by
 * its name), so a new kind of environment needs no change here.
 */
export function markersOf(
  read: Pick<PipelineReads, 'config' | 'store'>,
  app: string,
  refs: readonly RefEntry[],
  deployments: readonly DeploymentRecord[] = read.store.deployments.list(app, 2000),
): Map<string, Marker[]> {
  const markers = new Map<string, Marker[]>();
  const mark = (sha: string, m: Marker) => markers.set(sha, [...(markers.get(sha) ?? []), m]);
  for (const r of refs) {
    if (r.ref.startsWith('refs/heads/')) mark(r.sha, { kind: 'branch', label: r.ref.slice('refs/heads/'.length) });
    else if (r.ref.startsWith('refs/tags/')) mark(r.sha, { kind: 'tag', label: r.ref.slice('refs/tags/'.length) });
  }
  // What each environment runs, and what it ran before (deployments that were live and were replaced).
  const titles = new Map(read.config.environments.map((e) => [e.name, e.title]));
  const named = [...new Set(deployments.map((d) => d.environment))].filter((e) => !titles.has(e)).sort();
  for (const env of [...titles.keys(), ...named]) {
    const label = titles.get(env) ?? env;
    const mine = deployments.filter((d) => d.environment === env);
    const live = mine.find((d) => d.status === 'live');
    if (live) mark(live.commit, { kind: 'runs', label, environment: env, at: live.finishedAt });
    const seen = new Set(live ? [live.commit] : []);
    for (const d of mine) {
      if (d.status !== 'replaced' || seen.has(d.commit)) continue;
      seen.add(d.commit);
      mark(d.commit, { kind: 'ran', label, environment: env, at: d.finishedAt });
    }
  }
  return markers;
}
