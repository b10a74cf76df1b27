// Each environment of an app as the app page shows it: the commit it runs (message, author, Claude badge),
// release tag, image, status, URL and since when, and where a deploy in progress is taking it.
import { isProduction } from '../../domain/environments.js';
import { readCommits } from '../../git/read-commits.js';
import { repoPath } from '../../git/repo-path.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { environmentViews, type EnvironmentView } from './environment-views.js';
import { commitSummaryView, type CommitSummaryView } from './commit-summary-view.js';
import { statusView, type StatusView } from './status-view.js';

export interface EnvironmentPanelView extends StatusView {
  name: string;
  title: string;
  ref: string;
  branch: string;
  url: string;
  /** A scheduled job's cron schedule (then there is no URL to open). */
  schedule: string | null;
  isProduction: boolean;
  /** What serves. */
  commit: CommitSummaryView | null;
  /** What the environment's ref asks for, when that is not what serves. */
  pending: CommitSummaryView | null;
  release: string | null;
  image: string | null;
  since: string | null;
  /** Why the last deployment failed (what serves keeps serving). */
  reason: string | null;
  /** The runtime restarted what serves, or it is not serving normally now. */
  health: EnvironmentView['health'];
}

export async function environmentPanels(read: Pick<PipelineReads, 'config' | 'store' | 'health'>, app: string): Promise<EnvironmentPanelView[]> {
  const views = await environmentViews(read, app);
  const commits = await readCommits(
    repoPath(read.config.dataDir, app),
    views.flatMap((v) => [v.appliedCommit ?? '', v.commit ?? '']),
  );
  const summary = (sha: string | null) => {
    const c = sha ? commits.get(sha) : undefined;
    return c ? commitSummaryView(app, c, read.store) : null;
  };
  return views.map((v) => {
    const def = read.config.environments.find((e) => e.name === v.name);
    return {
      name: v.name,
      title: v.title,
      ref: v.ref,
      branch: v.ref.replace(/^refs\/heads\//, ''),
      url: v.url,
      schedule: v.schedule,
      isProduction: def !== undefined && isProduction(def),
      ...statusView(v.status),
      commit: summary(v.appliedCommit),
      pending: v.commit && v.commit !== v.appliedCommit ? summary(v.commit) : null,
      release: v.release,
      image: v.image,
      since: v.since,
      reason: v.status === 'failed' ? (v.lastDeployment?.reason ?? null) : null,
      health: v.health && (v.health.restarts > 0 || v.health.problem) ? v.health : null,
    };
  });
}
