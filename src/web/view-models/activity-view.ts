// Builds, deployments and scheduled job runs of an app, newest first, with their commits' subjects, durations
// and outcomes; and where a job can be run now.
import { shortSha } from '../../domain/types.js';
import { readCommits } from '../../git/read-commits.js';
import { repoPath } from '../../git/repo-path.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { readSchedule } from '../../pipeline/read-app-settings.js';
import { statusView, type StatusView } from './status-view.js';

/** A commit as a row shows it: short id, link to its page, subject line. */
export interface CommitRefView {
  sha: string;
  short: string;
  href: string;
  subject: string;
}

export interface BuildItemView {
  id: string;
  href: string;
  commit: CommitRefView;
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
  commit: CommitRefView;
  trigger: string;
  status: StatusView;
  reason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JobRunItemView {
  id: string;
  href: string;
  environment: string;
  commit: CommitRefView;
  trigger: string;
  status: StatusView;
  exitCode: number | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface ActivityView {
  builds: BuildItemView[];
  deployments: DeploymentItemView[];
  jobRuns: JobRunItemView[];
  /** Environments whose live commit is a scheduled job: a run can be started there now. */
  runnable: Array<{ name: string; title: string; schedule: string }>;
}

export async function activityView(read: Pick<PipelineReads, 'config' | 'store'>, app: string, limit = 15): Promise<ActivityView> {
  const gitdir = repoPath(read.config.dataDir, app);
  const builds = read.store.builds.list(app, limit);
  const deployments = read.store.deployments.list(app, limit);
  const jobRuns = read.store.jobRuns.list(app, limit);
  const commits = await readCommits(gitdir, [...builds.map((b) => b.commit), ...deployments.map((d) => d.commit), ...jobRuns.map((r) => r.commit)]);
  const commit = (sha: string): CommitRefView => ({ sha, short: shortSha(sha), href: `/apps/${app}/commits/${sha}`, subject: commits.get(sha)?.subject ?? '' });
  const title = (env: string) => read.config.environments.find((e) => e.name === env)?.title ?? env;
  return {
    builds: builds.map((b) => ({
      id: b.id,
      href: `/apps/${app}/builds/${b.id}`,
      commit: commit(b.commit),
      status: statusView(b.status),
      createdAt: b.createdAt,
      startedAt: b.startedAt,
      finishedAt: b.finishedAt,
      reused: b.reused === 1,
      error: b.error,
    })),
    deployments: deployments.map((d) => ({
      id: d.id,
      href: `/apps/${app}/deployments/${d.id}`,
      environment: title(d.environment),
      commit: commit(d.commit),
      trigger: d.trigger,
      status: statusView(d.status),
      reason: d.reason,
      createdAt: d.createdAt,
      startedAt: d.startedAt,
      finishedAt: d.finishedAt,
    })),
    jobRuns: jobRuns.map((r) => ({
      id: r.id,
      href: `/apps/${app}/job-runs/${r.id}`,
      environment: title(r.environment),
      commit: commit(r.commit),
      trigger: r.trigger,
      status: statusView(r.status),
      exitCode: r.exitCode,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
    })),
    runnable: await runnableJobs(read, app, gitdir),
  };
}

async function runnableJobs(read: Pick<PipelineReads, 'config' | 'store'>, app: string, gitdir: string): Promise<ActivityView['runnable']> {
  const out: ActivityView['runnable'] = [];
  for (const env of read.config.environments) {
    const live = read.store.deployments.live(app, env.name);
    const schedule = live ? await readSchedule(gitdir, live.commit) : null;
    if (schedule !== null) out.push({ name: env.name, title: env.title, schedule });
  }
  return out;
}
