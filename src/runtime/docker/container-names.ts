// Names of containers, networks and bridges. Docker names are global to an engine, so each carries the installation:
// two data folders on one engine deploy the same app and environment side by side. The parts are joined with
// "_", which app names and environment names never contain, so no two (app, environment) pairs share a name.
//
//   slipway_INSTALLATION_APP                        the app's network
//   slipway_INSTALLATION_builder                    the network builds run on ("builder" is a reserved app name)
//   slipway_INSTALLATION_APP_ENV                    what serves an environment
//   slipway_INSTALLATION_APP_ENV_DEPLOYMENT         a candidate until it is healthy
//   slipway_INSTALLATION_APP_ENV_retired-TIME       what served before, during its grace period
//   slipway_INSTALLATION_APP_ENV_warm-TIME          what served before, kept warm for a rollback (warmReleases)
//   slipway_INSTALLATION_APP_ENV_run-TIME           a run of a scheduled job
import { createHash } from 'node:crypto';

export function networkName(installation: string, app: string): string {
  return `slipway_${installation}_${app}`;
}

/**
 * The network the installation's builds run on. `builder` is one of RESERVED_APP_NAMES (src/domain/app-name.ts),
 * so no app's network can have this name.
 */
export function buildNetworkName(installation: string): string {
  return `slipway_${installation}_builder`;
}

/**
 * The bridge interface of one of Slipway's networks, fixed when the network is made so that firewall rules can
 * name it: `sw-` and 12 hex digits of the network's name (Linux allows 15 characters).
 */
export function bridgeName(network: string): string {
  return `sw-${createHash('sha256').update(network).digest('hex').slice(0, 12)}`;
}

export function servingName(installation: string, app: string, environment: string): string {
  return `slipway_${installation}_${app}_${environment}`;
}

/**
 * What served before installation ids were part of names (`slipway-APP-ENV`): recognised as serving, so that an
 * upgrade keeps apps up, and retired by their next deploy. Never created any more.
 */
export function legacyServingName(app: string, environment: string): string {
  return `slipway-${app}-${environment}`;
}

export function candidateName(serving: string, deploymentId: string): string {
  return `${serving}_${deploymentId.toLowerCase().replace(/[^a-z0-9-]/g, '')}`;
}

/** The name a serving container steps aside to; the time says which of several retired ones is the newest. */
export function retiredName(serving: string, at: number): string {
  return `${serving}_retired-${at}`;
}

/** When a container named `name` was retired from serving as `serving`, or null when it was not. */
export function retiredAt(name: string, serving: string): number | null {
  const m = /^_retired-(\d+)$/.exec(name.startsWith(serving) ? name.slice(serving.length) : '');
  return m ? Number(m[1]) : null;
}

/** The name a serving container steps aside to when it stays warm (paused) for a rollback to its release. */
export function warmName(serving: string, at: number): string {
  return `${serving}_warm-${at}`;
}

/** When a container named `name` stepped aside as a warm release of `serving`, or null when it did not. */
export function warmAt(name: string, serving: string): number | null {
  const m = /^_warm-(\d+)$/.exec(name.startsWith(serving) ? name.slice(serving.length) : '');
  return m ? Number(m[1]) : null;
}

export function jobRunName(serving: string, at: number): string {
  return `${serving}_run-${at}`;
}
