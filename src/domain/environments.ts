// Which environment does what, from the environment definitions alone: the one place that answers "which
// environment follows this ref", "the preview environment" and "the production environment".
import { isReleaseName, matchesTagGlob } from './release-name.js';
import type { EnvironmentDef } from './types.js';

/** The branch every app's repo starts with, and the one generations commit to. */
export const MAIN_REF = 'refs/heads/main';

/** Production takes release tags (`releaseTags` in its file); there is at most one. */
export function isProduction(env: EnvironmentDef): boolean {
  return env.releaseTags !== undefined;
}

export function environmentFollowing(environments: readonly EnvironmentDef[], ref: string): EnvironmentDef | undefined {
  return environments.find((e) => e.ref === ref);
}

/** The environment that follows `main`: where every push and generation goes live first. */
export function previewEnvironment(environments: readonly EnvironmentDef[]): EnvironmentDef | undefined {
  return environments.find((e) => e.ref === MAIN_REF && !isProduction(e));
}

export function productionEnvironment(environments: readonly EnvironmentDef[]): EnvironmentDef | undefined {
  return environments.find(isProduction);
}

/** The environment a release tag publishes to (null when the tag is not a release name it takes). */
export function releaseTarget(environments: readonly EnvironmentDef[], tag: string): EnvironmentDef | undefined {
  if (!isReleaseName(tag)) return undefined;
  return environments.find((e) => e.releaseTags !== undefined && matchesTagGlob(tag, e.releaseTags));
}
