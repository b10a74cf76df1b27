// A commit's page: its whole message, who wrote it (Claude: with the request), its markers, its diff and the
// log of its build.
import { readCommitPatch } from '../../git/read-commit-patch.js';
import { readRefs } from '../../git/read-refs.js';
import { repoPath } from '../../git/repo-path.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { commitSummaryView, type CommitSummaryView } from './commit-summary-view.js';
import { diffView, type DiffLayout, type DiffView } from './diff-view.js';
import { markersOf, type Marker } from './history-view.js';
import { readLogTail } from './read-log-tail.js';
import { removedLogNote } from '../../domain/plan-retention.js';
import { statusView, type StatusView } from './status-view.js';

export interface CommitPageView {
  app: string;
  commit: CommitSummaryView & { body: string; parents: { sha: string; short: string; href: string }[]; authorEmail: string };
  markers: Marker[];
  diff: DiffView;
  build: (StatusView & { id: string; href: string; image: string; log: string; running: boolean; logUrl: string }) | null;
}

export async function commitPageView(deps: Pick<PipelineReads, 'config' | 'store'>, app: string, sha: string, layout: DiffLayout): Promise<CommitPageView> {
  if (!deps.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new InvalidInputError('a commit is named by its full 40-character id here');
  const gitdir = repoPath(deps.config.dataDir, app);
  const [{ commit, files, patch }, refs] = await Promise.all([readCommitPatch(gitdir, sha), readRefs(gitdir)]);
  const build = deps.store.builds.latestFor(app, sha);
  const running = build ? ['queued', 'building'].includes(build.status) : false;
  return {
    app,
    commit: {
      ...commitSummaryView(app, commit, deps.store),
      body: commit.body,
      authorEmail: commit.authorEmail,
      parents: commit.parents.map((p) => ({ sha: p, short: p.slice(0, 12), href: `/apps/${app}/commits/${p}` })),
    },
    markers: markersOf(deps, app, refs).get(sha) ?? [],
    diff: diffView(files, patch, layout, { app, from: commit.parents[0] ?? null, to: commit.sha }),
    build: build
      ? {
          ...statusView(build.status),
          id: build.id,
          href: `/apps/${app}/builds/${build.id}`,
          image: build.image,
          running,
          log: running ? '' : build.logRemovedAt ? removedLogNote(build.logRemovedAt, deps.config.retention.keepLogs) : await readLogTail(build.logPath),
          logUrl: `/api/builds/${build.id}/log`,
        }
      : null,
  };
}
