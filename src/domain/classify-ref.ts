// What a ref update means, from the environment definitions alone (pure: no I/O).
import { branchBasis, previewBranchOf } from './branch-environment.js';
import { environmentFollowing, isProduction, releaseTarget } from './environments.js';
import { isReleaseName } from './release-name.js';
import { ZERO_SHA, type EnvironmentDef } from './types.js';

export interface RefUpdate {
  ref: string;
  oldSha: string;
  newSha: string;
}

export type RefClass =
  /** A branch that an environment follows (not the production one) moved: that environment redeploys. */
  | { kind: 'preview'; environment: string }
  /** The production environment's ref moved directly (publish by push, or rollback). */
  | { kind: 'production-move'; environment: string }
  /** A release tag was pushed: production's ref is to move to it. */
  | { kind: 'publish'; environment: string; tag: string }
  /** A branch no environment follows moved (with branch previews on): its branch preview redeploys. */
  | { kind: 'branch'; branch: string }
  /** Such a branch was deleted: its branch preview goes. */
  | { kind: 'branch-deleted'; branch: string }
  | { kind: 'ignore' };

export type RefVerdict = { ok: true } | { ok: false; reason: string };

const TAGS = 'refs/tags/';

/** `branches`: branch previews are on (SLIPWAY_MAX_BRANCH_PREVIEWS > 0); otherwise other branches are ignored. */
export function classifyRefUpdate(update: RefUpdate, environments: readonly EnvironmentDef[], branches = false): RefClass {
  const branch = branches && branchBasis(environments) ? previewBranchOf(update.ref, environments) : null;
  if (update.newSha === ZERO_SHA) return branch !== null ? { kind: 'branch-deleted', branch } : { kind: 'ignore' };
  if (branch !== null) return { kind: 'branch', branch };
  const followed = environmentFollowing(environments, update.ref);
  if (followed) return isProduction(followed) ? { kind: 'production-move', environment: followed.name } : { kind: 'preview', environment: followed.name };
  if (update.ref.startsWith(TAGS)) {
    const tag = update.ref.slice(TAGS.length);
    const target = releaseTarget(environments, tag);
    if (target) return { kind: 'publish', environment: target.name, tag };
  }
  return { kind: 'ignore' };
}

/**
 * Policy checks that need nothing but the update itself (the pre-receive hook adds checks that need
 * build records). Refuses deleting a followed branch, malformed or moved release tags.
 */
export function checkRefUpdate(update: RefUpdate, environments: readonly EnvironmentDef[]): RefVerdict {
  const followed = environmentFollowing(environments, update.ref);
  const short = update.ref.replace(/^refs\/(heads|tags)\//, '');
  if (update.newSha === ZERO_SHA) {
    if (followed) return { ok: false, reason: `deleting ${short} is not allowed: the ${followed.title} environment follows it` };
    if (update.ref.startsWith(TAGS) && isReleaseName(short)) return { ok: false, reason: `deleting release ${short} is not allowed: releases are permanent` };
    return { ok: true };
  }
  if (update.ref.startsWith(TAGS)) {
    if (!isReleaseName(short)) {
      return { ok: false, reason: `tag "${short}" is not a release name: use v1, v2, … (or v1.2.3); pushing a release tag publishes it` };
    }
    if (update.oldSha !== ZERO_SHA) return { ok: false, reason: `release ${short} already exists: releases are permanent, push a new tag instead` };
  }
  return { ok: true };
}
