// An app's branch previews as the app page and the API show them: the branch, its state (running, stopped when
// idle, past the cap, or why it has none), the commit it follows and the one that serves, its URL, and a link to
// compare it with main.
import { MAIN_REF } from '../../domain/environments.js';
import { environmentUrl } from '../../domain/host-for.js';
import { shortSha } from '../../domain/types.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { environmentStatus, statusView, type StatusView } from './status-view.js';

export interface BranchPreviewView extends StatusView {
  branch: string;
  /** `preview--SLUG` (null when the branch cannot have a preview). */
  environment: string | null;
  /** active | idle | over-limit | refused (src/domain/plan-branch-previews.ts). */
  state: string;
  url: string | null;
  /** Where the branch points. */
  commit: string;
  shortCommit: string;
  /** What serves (null: nothing). */
  appliedCommit: string | null;
  lastPush: string;
  /** Why it does not run, or why its last deploy failed. */
  reason: string | null;
  compareUrl: string;
}

export async function branchPreviewViews(read: Pick<PipelineReads, 'config' | 'store' | 'branchPreviews'>, app: string): Promise<BranchPreviewView[]> {
  const planned = await read.branchPreviews(app);
  return planned.map((b) => {
    const env = b.environment;
    const live = env ? read.store.deployments.live(app, env.name) : undefined;
    const latest = env ? read.store.deployments.latest(app, env.name) : undefined;
    const status = b.state === 'active' ? environmentStatus(latest, live) : b.state === 'refused' ? 'no preview' : 'stopped';
    const view = statusView(status);
    return {
      ...view,
      ...(status === 'stopped' ? { tone: 'none' as const } : {}),
      branch: b.branch,
      environment: env?.name ?? null,
      state: b.state,
      url: env ? environmentUrl(read.config, env, app) : null,
      commit: b.commit,
      shortCommit: shortSha(b.commit),
      appliedCommit: live?.commit ?? null,
      lastPush: b.lastPush,
      reason: b.reason ?? (status === 'failed' ? (latest?.reason?.split('\n')[0] ?? null) : null),
      compareUrl: `/apps/${app}/compare?from=${encodeURIComponent(MAIN_REF.replace('refs/heads/', ''))}&to=${encodeURIComponent(b.branch)}`,
    };
  });
}
