// App names: DNS-1123 labels of 1–40 characters that cannot collide with Slipway's own host names, nor with
// another app's host in another environment.
import { ConfigError, InvalidAppNameError } from '../shared/errors.js';
import { BRANCH_SEPARATOR } from './branch-environment.js';
import { findLostHost, type HostLayout, type LostHost } from './host-for.js';
import type { AppName } from './types.js';

export const RESERVED_APP_NAMES: readonly string[] = ['git', 'api', 'www', 'admin', 'builder', 'static'];
const MAX_LENGTH = 40;

/**
 * Returns why `name` is not a valid app name, or null when it is. With `layout` (the configured environments and
 * domain), a name is also refused when one of its hosts would be another app's (see findLostHost).
 */
export function explainAppName(name: string, layout?: HostLayout): string | null {
  if (name.length === 0) return 'an app name is required';
  if (name.length > MAX_LENGTH) return `an app name has at most ${MAX_LENGTH} characters (this one has ${name.length})`;
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) {
    return 'an app name uses lowercase letters, digits and "-", and starts and ends with a letter or digit';
  }
  if (RESERVED_APP_NAMES.includes(name)) return `"${name}" is reserved by Slipway`;
  // Branch previews' hosts are APP--BRANCH-preview.DOMAIN: the first "--" is where the app name ends.
  if (name.includes(BRANCH_SEPARATOR))
    return `an app name does not contain "${BRANCH_SEPARATOR}" (it separates the app from the branch in branch preview hosts)`;
  const lost = layout ? findLostHost(name, layout) : null;
  if (lost) return `its ${lost.environment.title} host would be ${lost.host}, which is ${describeOwner(lost)}; choose another name`;
  return null;
}

export function parseAppName(name: unknown, layout?: HostLayout): AppName {
  if (typeof name !== 'string') throw new InvalidAppNameError('an app name is required');
  const why = explainAppName(name, layout);
  if (why) throw new InvalidAppNameError(`invalid app name "${name.slice(0, 60)}": ${why}`);
  return name as AppName;
}

/**
 * At start-up: every existing app must keep all its hosts under the environments configured now. An environment
 * added later (say `staging.yaml` with `{app}-staging.{domain}`) would silently take app `x-staging`'s production
 * host for app `x`'s staging: refused, naming the app and the environment file, so a person decides.
 */
export function checkAppsKeepTheirHosts(apps: readonly string[], layout: HostLayout): void {
  const problems: string[] = [];
  for (const app of apps) {
    const lost = findLostHost(app, layout);
    if (lost) problems.push(`app "${app}" would lose its ${lost.environment.title} host ${lost.host}: it is ${describeOwner(lost)}`);
  }
  if (problems.length === 0) return;
  throw new ConfigError(
    `${problems.join('; ')}. Change the host pattern in that environment file (or remove the file), turn branch previews off, or delete the app, then start again`,
  );
}

function describeOwner(lost: LostHost): string {
  if (lost.takenBy.environment.branch)
    return `the host of a branch preview of app "${lost.takenBy.app}" (SLIPWAY_MAX_BRANCH_PREVIEWS=0 turns branch previews off)`;
  return `the ${lost.takenBy.environment.title} host of app "${lost.takenBy.app}" (environments/${lost.takenBy.environment.name}.yaml)`;
}
