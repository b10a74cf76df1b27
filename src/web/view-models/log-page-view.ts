// A build's, a deployment's or a job run's page: what it is, how it went, and its log (whole when finished;
// streamed live from the API when it runs).
import { shortSha } from '../../domain/types.js';
import { readCommits } from '../../git/read-commits.js';
import { repoPath } from '../../git/repo-path.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import type { BuildRecord } from '../../store/builds-store.js';
import type { DeploymentRecord } from '../../store/deployments-store.js';
import type { JobRunRecord } from '../../store/job-runs-store.js';
import type { CommitRefView } from './activity-view.js';
import { readLogTail } from './read-log-tail.js';
import { removedLogNote } from '../../domain/plan-retention.js';
import { statusView, type StatusView } from './status-view.js';

export interface LogPageView {
  kind: 'build' | 'deployment' | 'job-run';
  /** "Build", "Deployment", "Job run". */
  title: string;
  id: string;
  status: StatusView;
  commit: CommitRefView;
  environment: string | null;
  trigger: string | null;
  image: string | null;
  reason: string | null;
  /** A job run's exit code. */
  exitCode: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  running: boolean;
  /** The whole log when finished. */
  text: string;
  /** SSE source while it runs. */
  streamUrl: string;
  rawUrl: string;
}

type LogItem = { kind: 'build'; record: BuildRecord } | { kind: 'deployment'; record: DeploymentRecord } | { kind: 'job-run'; record: JobRunRecord };

const TITLES = { build: 'Build', deployment: 'Deployment', 'job-run': 'Job run' } as const;
const API_LOGS = { build: 'builds', deployment: 'deployments', 'job-run': 'job-runs' } as const;

export async function logPageView(read: Pick<PipelineReads, 'config' | 'store'>, item: LogItem): Promise<LogPageView> {
  const r = item.record;
  const running = ['queued', 'building', 'deploying', 'running'].includes(r.status);
  const info = (await readCommits(repoPath(read.config.dataDir, r.app), [r.commit])).get(r.commit);
  const path = `/api/${API_LOGS[item.kind]}/${r.id}/log`;
  const environment = item.kind === 'build' ? null : item.record.environment;
  return {
    kind: item.kind,
    title: TITLES[item.kind],
    id: r.id,
    status: statusView(r.status),
    commit: { sha: r.commit, short: shortSha(r.commit), href: `/apps/${r.app}/commits/${r.commit}`, subject: info?.subject ?? '' },
    environment: environment === null ? null : (read.config.environments.find((e) => e.name === environment)?.title ?? environment),
    trigger: item.kind === 'build' ? null : item.record.trigger,
    image: item.kind === 'job-run' ? null : item.record.image,
    reason: item.kind === 'deployment' ? item.record.reason : item.kind === 'build' ? item.record.error : null,
    exitCode: item.kind === 'job-run' ? item.record.exitCode : null,
    createdAt: item.kind === 'job-run' ? item.record.startedAt : item.record.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    running,
    text: running ? '' : r.logRemovedAt ? removedLogNote(r.logRemovedAt, read.config.retention.keepLogs) : await readLogTail(r.logPath),
    streamUrl: path,
    rawUrl: path,
  };
}
