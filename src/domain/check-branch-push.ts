// What pre-receive asks of a push that makes new branches (pure): each new branch must be able to have a preview
// (room in its host, a host no one else's, a slug no other branch of the app has) and the app must stay within
// SLIPWAY_MAX_BRANCH_PREVIEWS. Pushes to existing branches and deletions are not limited.
import { branchBasis, branchEnvironment, previewBranchOf } from './branch-environment.js';
import type { RefUpdate } from './classify-ref.js';
import { branchPreviewsOn, findLostHostOf, type HostLayout } from './host-for.js';
import { ZERO_SHA } from './types.js';

export interface BranchRefusal {
  ref: string;
  reason: string;
}

/** `existing`: the app's branches that no environment follows, as the repo has them before this push. */
export function checkBranchPush(
  app: string,
  updates: readonly RefUpdate[],
  existing: readonly string[],
  layout: HostLayout & { readonly branchPreviews: { readonly max: number } },
): BranchRefusal[] {
  const basis = branchBasis(layout.environments);
  if (!basis || !branchPreviewsOn(layout)) return [];
  const made = updates.flatMap((u) => {
    const branch = u.oldSha === ZERO_SHA && u.newSha !== ZERO_SHA ? previewBranchOf(u.ref, layout.environments) : null;
    return branch !== null && !existing.includes(branch) ? [{ ref: u.ref, branch }] : [];
  });
  if (made.length === 0) return [];
  const refusals: BranchRefusal[] = [];
  const names = new Map<string, string>();
  for (const b of existing) {
    const env = branchEnvironment(basis, app, layout.domain, b);
    if (env.ok) names.set(env.environment.name, b);
  }
  for (const { ref, branch } of made) {
    const env = branchEnvironment(basis, app, layout.domain, branch);
    if (!env.ok) {
      refusals.push({ ref, reason: `branch ${branch} cannot have a preview: ${env.reason}` });
      continue;
    }
    const lost = findLostHostOf(app, env.environment, layout);
    const other = names.get(env.environment.name);
    if (lost)
      refusals.push({
        ref,
        reason: `branch ${branch}'s preview host ${lost.host} would be the ${lost.takenBy.environment.title} host of app "${lost.takenBy.app}"`,
      });
    else if (other !== undefined)
      refusals.push({
        ref,
        reason: `branch ${branch}'s preview would have the host of branch ${other}'s (${env.environment.branch?.slug}); rename the branch`,
      });
    else names.set(env.environment.name, branch);
  }
  const max = layout.branchPreviews.max;
  if (existing.length + made.length > max) {
    const held = existing.length > 0 ? `: ${existing.join(', ')}` : '';
    const fix = 'delete one (git push origin --delete BRANCH) or ask an admin to raise SLIPWAY_MAX_BRANCH_PREVIEWS';
    for (const { ref, branch } of made)
      if (!refusals.some((r) => r.ref === ref))
        refusals.push({
          ref,
          reason: `branch ${branch} would be one branch preview too many: app ${app} has ${existing.length} of at most ${max}${held}${made.length > 1 ? ` (this push makes ${made.length})` : ''}; ${fix}`,
        });
  }
  return refusals;
}
