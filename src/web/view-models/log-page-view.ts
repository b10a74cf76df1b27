// A build's or a deployment's page: what it is, how it went, and its log (whole when finished; streamed live
// from the API when it runs).
import { shortSha } from '../../domain/types.js';
import { readCommits } from '../../git/read-commits.js';
import { repoPath } from '../../git/repo-path.js';
import type { PipelineDeps } from '../../pipeline/deps.js';
import type { BuildRecord } from '../../store/builds-store.js';
import type { DeploymentRecord } from '../../store/deployments-store.js';
import { readLogTail } from './read-log-tail.js';
import { statusView, type StatusView } from './status-view.js';

export interface LogPageView {
  kind: 'build' | 'deployment';
  id: string;
  status: StatusView;
  commit: { sha: string; short: string; href: string; subject: string };
  environment: string | null;
  trigger: string | null;
  image: string | null;
  reason: string | null;
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

export async function logPageView(deps: Pick<PipelineDeps, 'config' | 'store'>, item: { kind: 'build'; record: BuildRecord } | { kind: 'deployment'; record: DeploymentRecord }): Promise<LogPageView> {
  const r = item.record;
  const running = ['queued', 'building', 'deploying'].includes(r.status);
  const info = (await readCommits(repoPath(deps.config.dataDir, r.app), [r.commit])).get(r.commit);
  const path = item.kind === 'build' ? `/api/builds/${r.id}/log` : `/api/deployments/${r.id}/log`;
  return {
    kind: item.kind,
    id: r.id,
    status: statusView(r.status),
    commit: { sha: r.commit, short: shortSha(r.commit), href: `/apps/${r.app}/commits/${r.commit}`, subject: info?.subject ?? '' },
    environment: item.kind === 'deployment' ? (deps.config.environments.find((e) => e.name === item.record.environment)?.title ?? item.record.environment) : null,
    trigger: item.kind === 'deployment' ? item.record.trigger : null,
    image: r.image,
    reason: item.kind === 'deployment' ? item.record.reason : item.record.error,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    running,
    text: running ? '' : await readLogTail(r.logPath),
    streamUrl: path,
    rawUrl: path,
  };
}
