// The history viewer's page: commits of the environments' branches (main and prod), newest first, with
// branch, tag and environment markers (what each environment runs, and ran before), Claude's requests and
// build status. One `git log --skip -n` per page, so that page 1 and page 100 of a long history cost the same.
import { readHistory } from '../../git/read-history.js';
import { readRefs, type RefEntry } from '../../git/read-refs.js';
import { repoPath } from '../../git/repo-path.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { NotFoundError } from '../../shared/errors.js';
import { commitSummaryView, type CommitSummaryView } from './commit-summary-view.js';
import { statusView, type StatusView } from './status-view.js';

export const HISTORY_PAGE_SIZE = 50;

export interface Marker {
  kind: 'branch' | 'tag' | 'runs' | 'ran';
  label: string;
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
  page: number;
  pages: number;
  total: number;
  branches: string[];
  prev: string | null;
  next: string | null;
}

export async function historyView(read: Pick<PipelineReads, 'config' | 'store'>, app: string, page: number): Promise<HistoryView> {
  if (!read.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  const gitdir = repoPath(read.config.dataDir, app);
  const refs = await readRefs(gitdir);
  const followed = [...new Set(read.config.environments.map((e) => e.ref))].filter((r) => refs.some((x) => x.ref === r));
  const history = await readHistory(
    gitdir,
    refs.filter((r) => followed.includes(r.ref)),
    { skip: (page - 1) * HISTORY_PAGE_SIZE, limit: HISTORY_PAGE_SIZE },
  );
  const pages = Math.max(1, Math.ceil(history.total / HISTORY_PAGE_SIZE));
  if (page > pages) throw new NotFoundError(`the history of ${app} has ${pages} page${pages === 1 ? '' : 's'}`);

  const markers = markersOf(read, app, refs);
  const rows = history.commits.map((c) => {
    const build = read.store.builds.latestFor(app, c.sha);
    return {
      ...commitSummaryView(app, c, read.store),
      markers: markers.get(c.sha) ?? [],
      build: { ...statusView(build?.status ?? 'none'), href: build ? `/apps/${app}/builds/${build.id}` : null },
    };
  });
  const link = (p: number) => `/apps/${app}/history${p > 1 ? `?page=${p}` : ''}`;
  return {
    app,
    moves: environmentMoves(read, app),
    rows,
    page,
    pages,
    total: history.total,
    branches: followed.map((r) => r.replace(/^refs\/heads\//, '')),
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

/** Branch and tag markers from the refs, and environment markers from the deployments, by commit. */
export function markersOf(read: Pick<PipelineReads, 'config' | 'store'>, app: string, refs: readonly RefEntry[]): Map<string, Marker[]> {
  const markers = new Map<string, Marker[]>();
  const mark = (sha: string, m: Marker) => markers.set(sha, [...(markers.get(sha) ?? []), m]);
  for (const r of refs) {
    if (r.ref.startsWith('refs/heads/')) mark(r.sha, { kind: 'branch', label: r.ref.slice('refs/heads/'.length) });
    else if (r.ref.startsWith('refs/tags/')) mark(r.sha, { kind: 'tag', label: r.ref.slice('refs/tags/'.length) });
  }
  // What each environment runs, and what it ran before (deployments that were live and were replaced).
  const deployments = read.store.deployments.list(app, 2000);
  for (const env of read.config.environments) {
    const mine = deployments.filter((d) => d.environment === env.name);
    const live = mine.find((d) => d.status === 'live');
    if (live) mark(live.commit, { kind: 'runs', label: env.title, at: live.finishedAt });
    const seen = new Set(live ? [live.commit] : []);
    for (const d of mine) {
      if (d.status !== 'replaced' || seen.has(d.commit)) continue;
      seen.add(d.commit);
      mark(d.commit, { kind: 'ran', label: env.title, at: d.finishedAt });
    }
  }
  return markers;
}
