// A preview per branch: the environment a branch that no environment file follows gets, made from the preview
// environment's settings. Its host puts the branch's slug after the app name with `--`, which app names, environment
// names and host patterns may not contain, so a branch preview's host and name are never an app's or a file's.
import { createHash } from 'node:crypto';
import { isProduction, MAIN_REF } from './environments.js';
import type { EnvironmentDef } from './types.js';

/** Between the app and the branch slug in a host (`shop--feature-login-preview.DOMAIN`), and in the environment's name. */
export const BRANCH_SEPARATOR = '--';
/** The longest slug: room for a readable branch name, and `preview--SLUG` stays a DNS label (63) for Kubernetes. */
export const MAX_SLUG_LENGTH = 40;
/** The shortest room a slug needs: the hash alone. */
const HASH_LENGTH = 6;
const HEADS = 'refs/heads/';
/** What a slug looks like: a DNS label without `--` (lower case letters, digits, single dashes inside). */
export const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * The DNS-label form of a branch name. A name that is one already (and short enough) is its own slug
 * (`fix-login`); any other gets a readable part and 6 hex digits of its SHA-256, so `feature/login` and
 * `feature-login` (or `Feature-Login`) never share one: `feature-login-df7c7a`. Deterministic: the same branch always
 * gets the same slug, so records, containers and hosts are found again after a restart or a lost database.
 */
export function branchSlug(branch: string, maxLength: number = MAX_SLUG_LENGTH): string {
  if (SLUG.test(branch) && branch.length <= maxLength) return branch;
  const hash = createHash('sha256').update(branch, 'utf8').digest('hex').slice(0, HASH_LENGTH);
  const words = branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const head = words.slice(0, Math.max(0, maxLength - HASH_LENGTH - 1)).replace(/-+$/, '');
  return head ? `${head}-${hash}` : hash;
}

/** The branch a ref names when it is a branch no environment follows (null for tags, followed branches, anything else). */
export function previewBranchOf(ref: string, environments: readonly EnvironmentDef[]): string | null {
  if (!ref.startsWith(HEADS) || ref.length === HEADS.length) return null;
  if (environments.some((e) => e.ref === ref)) return null;
  return ref.slice(HEADS.length);
}

/** The environment branch previews copy: the one that follows `main` (none: no branch previews). */
export function branchBasis(environments: readonly EnvironmentDef[]): EnvironmentDef | undefined {
  return environments.find((e) => e.ref === MAIN_REF && !isProduction(e));
}

/**
 * How long a slug may be for `app`: the host's label that holds `APP--SLUG` stays within 63 characters and the host
 * within 253, and the environment's name within MAX_SLUG_LENGTH. Below the hash's length there is no room.
 */
export function slugRoom(basis: EnvironmentDef, app: string, domain: string): number {
  const marker = '\u0000';
  // hostFor's substitution, here so that host-for.ts (which routes branch hosts) can import this file.
  const host = basis.host.replaceAll('{app}', `${app}${BRANCH_SEPARATOR}${marker}`).replaceAll('{domain}', domain);
  const label = host.split('.').find((l) => l.includes(marker)) ?? '';
  return Math.min(MAX_SLUG_LENGTH, 63 - (label.length - 1), 253 - (host.length - 1));
}

export type BranchEnvironmentResult = { ok: true; environment: EnvironmentDef } | { ok: false; reason: string };

/**
 * The branch preview environment of `branch` in `app`: the basis's settings (resources, health, replicas), its own
 * name (`preview--SLUG`), title (`preview of feature/login`), ref and host pattern (`{app}--SLUG-preview.{domain}`).
 */
export function branchEnvironment(basis: EnvironmentDef, app: string, domain: string, branch: string): BranchEnvironmentResult {
  const room = slugRoom(basis, app, domain);
  if (room < HASH_LENGTH)
    return { ok: false, reason: `the app name ${app} leaves no room for a branch in its preview host (a DNS label has at most 63 characters)` };
  const slug = branchSlug(branch, room);
  return {
    ok: true,
    environment: Object.freeze({
      ...basis,
      name: branchEnvironmentName(basis, slug),
      title: `${basis.title} of ${branch}`,
      ref: `${HEADS}${branch}`,
      host: basis.host.replace('{app}', `{app}${BRANCH_SEPARATOR}${slug}`),
      // A branch preview is replaced by its branch's next commit, never rolled back to an earlier one.
      warmReleases: 0,
      branch: { name: branch, slug, basis: basis.name },
    }),
  };
}

export function branchEnvironmentName(basis: Pick<EnvironmentDef, 'name'>, slug: string): string {
  return `${basis.name}${BRANCH_SEPARATOR}${slug}`;
}

/** Whether an environment name is a branch preview's (environment files' names never contain `--`). */
export function isBranchEnvironmentName(name: string): boolean {
  return name.includes(BRANCH_SEPARATOR);
}
