// An app's branch previews as they stand: its branches in the repo (git is the truth: a lost database, a restart or
// `slipway repair` finds them again), when each was last pushed (the records, or the commit's time when the
// records are gone), planned by the pure rule in src/domain/plan-branch-previews.ts.
import { branchEnvironment, branchBasis, previewBranchOf } from '../domain/branch-environment.js';
import { branchPreviewsOn } from '../domain/host-for.js';
import { planBranchPreviews, type PlannedBranchPreview } from '../domain/plan-branch-previews.js';
import type { EnvironmentDef } from '../domain/types.js';
import { readBranches, readCommitTimes } from '../git/read-branches.js';
import { repoPath } from '../git/repo-path.js';
import type { ReadStore } from '../store/read-store.js';
import type { PipelineDeps } from './deps.js';

export type BranchPreviewDeps = Pick<PipelineDeps, 'config'> & { store: Pick<ReadStore, 'refUpdates'> };

export async function listBranchPreviews(deps: BranchPreviewDeps, app: string, now = Date.now()): Promise<PlannedBranchPreview[]> {
  const { config } = deps;
  if (!branchPreviewsOn(config)) return [];
  const pushes = deps.store.refUpdates.lastPushes(app);
  const gitdir = repoPath(config.dataDir, app);
  const branches = (await readBranches(gitdir)).filter((b) => previewBranchOf(b.ref, config.environments) !== null);
  // A branch no push record knows (the records were lost, or it came with a restore): its commit's time stands in.
  const times = await readCommitTimes(
    gitdir,
    branches.filter((b) => !pushes.has(b.ref)).map((b) => b.sha),
  );
  const facts = branches.map((b) => ({ branch: b.branch, commit: b.sha, lastPush: pushes.get(b.ref) ?? times.get(b.sha) ?? new Date(0).toISOString() }));
  return planBranchPreviews(app, facts, config, now);
}

/** The branches of the app that no environment follows, as the repo has them now (what the cap counts). */
export async function previewBranches(deps: Pick<PipelineDeps, 'config'>, app: string): Promise<string[]> {
  return (await readBranches(repoPath(deps.config.dataDir, app))).filter((b) => previewBranchOf(b.ref, deps.config.environments) !== null).map((b) => b.branch);
}

/** The environment a branch's preview runs in (undefined when branch previews are off or it cannot have one). */
export function branchEnvironmentOf(deps: Pick<PipelineDeps, 'config'>, app: string, branch: string): EnvironmentDef | undefined {
  const basis = branchBasis(deps.config.environments);
  if (!basis || !branchPreviewsOn(deps.config)) return undefined;
  const made = branchEnvironment(basis, app, deps.config.domain, branch);
  return made.ok ? made.environment : undefined;
}
