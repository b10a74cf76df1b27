// Publish and rollback: plan the move (src/pipeline/plan-production-move.ts), then apply exactly that plan. By
// default publish takes what preview runs and tags the next release; rollback takes the release before the one
// production runs. Both only move production to a commit already built: the image is reused, and built again only
// when retention removed it (the plan's `rebuild` says so).
import type { ReleaseAction } from '../domain/plan-release-change.js';
import type { DeploymentRecord } from '../store/deployments-store.js';
import type { PipelineDeps } from './deps.js';
import { applyProductionMove } from './move-production.js';
import { planProductionMove } from './plan-production-move.js';

export interface ReleaseResult {
  action: ReleaseAction;
  /** The release the commit carries (publish always has one; a rollback to an untagged commit has none). */
  tag: string | null;
  commit: string;
  deployment: DeploymentRecord;
  /** Set when retention had removed the commit's image: it is built again before it goes live. */
  rebuild: string | null;
}

export async function release(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events'>,
  app: string,
  action: ReleaseAction,
  options: { to?: string; by: string },
): Promise<ReleaseResult> {
  const { plan } = await planProductionMove(deps, app, action, { ...(options.to ? { to: options.to } : {}), summary: true });
  const record = await applyProductionMove(deps, app, plan, options.by);
  return { action, tag: plan.tag, commit: plan.to.commit, deployment: record.deployment!, rebuild: plan.rebuild };
}
