// Builds and deployments of an app, newest first, with their commits' subjects, durations and outcomes.
import { shortSha } from '../../domain/types.js';
import { readCommits } from '../../git/read-commits.js';
import { repoPath } from '../../git/repo-path.js';
import type { PipelineDeps } from '../../pipeline/deps.js';
import { statusView, type StatusView } from './status-view.js';

export interface BuildItemView {
  id: string;
  href: string;
  commit: { sha: string; short: string; href: string; subject: string };
  status: StatusView;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  reused: boolean;
  error: string | null;
}

export interface DeploymentItemView {
  id: string;
  href: string;
  environment: string;
  commit: { sha: string; short: string; href: string; subject: string };
  trigger: string;
  status: StatusView;
  reason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ActivityView {
  builds: BuildItemView[];
  deployments: DeploymentItemView[];
}

export async function activityView(deps: Pick<PipelineDeps, 'config' | 'store'>, app: string, limit = 15): Promise<ActivityView> {
  const builds = deps.store.builds.list(app, limit);
  const deployments = deps.store.deployments.list(app, limit);
  const commits = await readCommits(repoPath(deps.config.dataDir, app), [...builds.map((b) => b.commit), ...deployments.map((d) => d.commit)]);
  const commit = (sha: string) => ({ sha, short: shortSha(sha), href: `/apps/${app}/commits/${sha}`, subject: commits.get(sha)?.subject ?? '' });
  const title = (env: string) => deps.config.environments.find((e) => e.name === env)?.title ?? env;
  return {
    builds: builds.map((b) => ({ id: b.id, href: `/apps/${app}/builds/${b.id}`, commit: commit(b.commit), status: statusView(b.status), createdAt: b.createdAt, startedAt: b.startedAt, finishedAt: b.finishedAt, reused: b.reused === 1, error: b.error })),
    deployments: deployments.map((d) => ({ id: d.id, href: `/apps/${app}/deployments/${d.id}`, environment: title(d.environment), commit: commit(d.commit), trigger: d.trigger, status: statusView(d.status), reason: d.reason, createdAt: d.createdAt, startedAt: d.startedAt, finishedAt: d.finishedAt })),
  };
}
