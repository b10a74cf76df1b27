// Which of an app's branches have a running preview, from facts alone (pure): the branches in the repo, when each
// was last pushed, the cap and the idle time. The reconciler deploys the `active` ones and removes what runs of any
// other; the app page and the API show every one with its state.
import { branchBasis, branchEnvironment } from './branch-environment.js';
import { branchPreviewsOn, findLostHostOf, type HostLayout } from './host-for.js';
import type { EnvironmentDef } from './types.js';

export interface BranchFact {
  /** The branch name (`feature/login`), a branch no environment file follows. */
  branch: string;
  /** Where it points. */
  commit: string;
  /** Its last push (ISO time): the newest ref update recorded for it, or its commit's time when none is. */
  lastPush: string;
}

/**
 * `active`: runs (or is being deployed). `idle`: no push for the idle time, stopped until the next push.
 * `over-limit`: more branches than the cap allows (made before the cap was lowered, or by two pushes at once): the
 * most recently pushed ones run. `refused`: it cannot have a preview (`reason` says why).
 */
export type BranchPreviewState = 'active' | 'idle' | 'over-limit' | 'refused';

export interface PlannedBranchPreview extends BranchFact {
  state: BranchPreviewState;
  /** Its environment (every state but `refused`). */
  environment: EnvironmentDef | null;
  reason: string | null;
}

export interface BranchPreviewSettings {
  readonly max: number;
  readonly ttlMs: number;
}

export function planBranchPreviews(
  app: string,
  branches: readonly BranchFact[],
  layout: HostLayout & { readonly branchPreviews: BranchPreviewSettings },
  now: number,
): PlannedBranchPreview[] {
  const basis = branchBasis(layout.environments);
  if (!basis || !branchPreviewsOn(layout)) return [];
  // Oldest name first for who keeps a slug two branches share (hash collisions, `a` pushed beside `A`): the same
  // answer on every pass, whatever order git lists them in.
  const sorted = [...branches].sort((a, b) => (a.branch < b.branch ? -1 : a.branch > b.branch ? 1 : 0));
  const slugs = new Map<string, string>();
  const planned = sorted.map((fact): PlannedBranchPreview => {
    const made = branchEnvironment(basis, app, layout.domain, fact.branch);
    if (!made.ok) return { ...fact, state: 'refused', environment: null, reason: made.reason };
    const env = made.environment;
    const lost = findLostHostOf(app, env, layout);
    if (lost)
      return {
        ...fact,
        state: 'refused',
        environment: null,
        reason: `its host ${lost.host} is the ${lost.takenBy.environment.title} host of app "${lost.takenBy.app}"`,
      };
    const other = slugs.get(env.name);
    if (other !== undefined) return { ...fact, state: 'refused', environment: null, reason: `its host would be branch ${other}'s; rename the branch` };
    slugs.set(env.name, fact.branch);
    const idle = now - Date.parse(fact.lastPush) > layout.branchPreviews.ttlMs;
    return { ...fact, state: idle ? 'idle' : 'active', environment: env, reason: idle ? `no push for ${days(layout.branchPreviews.ttlMs)}` : null };
  });
  // The cap: the most recently pushed run.
  const running = planned.filter((p) => p.state === 'active').sort((a, b) => Date.parse(b.lastPush) - Date.parse(a.lastPush));
  for (const p of running.slice(layout.branchPreviews.max)) {
    p.state = 'over-limit';
    p.reason = `more branch previews than ${layout.branchPreviews.max} (SLIPWAY_MAX_BRANCH_PREVIEWS); the most recently pushed run`;
  }
  return planned;
}

function days(ms: number): string {
  const d = Math.round(ms / 86_400_000);
  return d === 1 ? '1 day' : `${d} days`;
}
