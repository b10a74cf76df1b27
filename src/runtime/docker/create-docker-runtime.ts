// The Docker runtime: one container per app and environment, named after the installation, the app and the
// environment while it serves (container-names.ts). A deploy starts a candidate next to it, waits for health,
// renames it into place, moves traffic, and retires the old one after a grace period, or keeps it warm for a
// rollback (deploy-web.ts, warm-releases.ts). State
// lives in Docker (names and labels), so a restart finds it again; routes are a cache of it for the proxy.
import { readHealth } from './read-health.js';
import { readUsage } from './read-usage.js';
import type Docker from 'dockerode';
import { messageOf } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { Runtime } from '../runtime.js';
import { bridgeOf, createDockerAccess } from './docker-access.js';
import { listOtherInstallations, removeOtherInstallation } from './other-installations.js';
import { LABELS, ownedBy } from './docker-labels.js';
import { deployJob } from './deploy-job.js';
import { deployWeb } from './deploy-web.js';
import type { Firewall } from './firewall.js';
import { removeStale } from './remove-stale.js';
import { runJob } from './run-job.js';
import { streamContainerLogs } from './stream-container-logs.js';
import { toInstance } from './to-instance.js';
import { readWarm } from './warm-releases.js';
import type { Ipv4Net } from '../../domain/subnet-pool.js';

export interface DockerRuntime extends Runtime {
  /** Where traffic for an environment goes now (synchronous: the proxy asks on every request). */
  route(app: string, environment: string): { host: string; port: number } | null;
  /** Re-reads the routes from Docker (after a daemon restart, ports may have changed). */
  refreshRoutes(): Promise<void>;
}

export interface DockerRuntimeOptions {
  docker: Docker;
  /** `unix:///var/run/docker.sock`, for messages. */
  endpoint: string;
  /**
   * Which Slipway installation this is (derived from its data folder): part of every container and network name
   * and label, so that two installations on one Docker Engine deploy the same app side by side and never take
   * each other's containers for leftovers.
   */
  installation: string;
  /** The data folder, labelled on what the installation creates (absent in tests that have none). */
  dataDir?: string;
  log: Logger;
  /** Keeps containers on Slipway's networks from the host's services and private networks (firewall.ts). */
  firewall: Firewall;
  /** Where its networks' subnets come from (SLIPWAY_DOCKER_SUBNETS); null: Docker's pools; unset: the default pool. */
  subnets?: Ipv4Net | null;
}

export function createDockerRuntime(options: DockerRuntimeOptions): DockerRuntime {
  if (!/^[a-z0-9]+$/.test(options.installation)) throw new Error(`an installation id is lowercase letters and digits (got "${options.installation}")`);
  const d = createDockerAccess({ ...options, log: options.log.child('docker') });
  const routes = new Map<string, { host: string; port: number }>();
  const key = (app: string, env: string) => `${app}/${env}`;

  return {
    kind: 'docker',
    async ping() {
      await d.call('pinging Docker', () => options.docker.ping());
    },
    async deploy(spec, onLine, signal) {
      if (spec.settings.kind === 'job') return deployJob(d, spec, onLine);
      const k = key(spec.app, spec.environment.name);
      const before = routes.get(k);
      try {
        return await deployWeb(d, spec, onLine, (target) => routes.set(k, target), signal);
      } catch (e) {
        // A switch that failed after the route moved: traffic goes back to what still holds the serving name.
        if (before) routes.set(k, before);
        else routes.delete(k);
        throw e;
      }
    },
    async current(app) {
      const live = (await d.listManaged([`${LABELS.app}=${app}`])).map((c) => toInstance(c, d.installation)).filter((i) => i.state === 'live');
      // Routes follow what Docker reports: they are empty when Docker was unreachable as Slipway started, and
      // the reconciler's passes (which ask here) are what notices that it is back.
      for (const i of live) if (i.target) routes.set(key(app, i.environment), i.target);
      return live;
    },
    health: (app) => readHealth(d, app),
    usage: () => d.call('reading container stats', () => readUsage(d)),
    warmReleases: () => d.call('reading warm containers', () => readWarm(d)),
    async removeStale(isActive) {
      const removed = await removeStale(d, isActive);
      const owned = await d.call('listing networks', () => options.docker.listNetworks({ filters: { label: ownedBy(d.installation) } }));
      await options.firewall.sync(owned.map(bridgeOf), async () => {
        const all = await d.call('listing networks', () => options.docker.listNetworks({ filters: { driver: ['bridge'] } }));
        return new Set(all.map((n) => bridgeOf(n).bridge));
      });
      return removed;
    },
    async removeApp(app) {
      for (const c of await d.listManaged([`${LABELS.app}=${app}`])) await d.removeQuietly(c.Id);
      for (const k of [...routes.keys()]) if (k.startsWith(`${app}/`)) routes.delete(k);
      // By label: also the network named before installation ids were part of names.
      const nets = await d.call('listing networks', () =>
        options.docker.listNetworks({ filters: { label: [...ownedBy(d.installation), `${LABELS.app}=${app}`] } }),
      );
      for (const n of nets) {
        const removed = await options.docker
          .getNetwork(n.Id)
          .remove()
          .then(
            () => true,
            (e: unknown) => d.log.debug('could not remove a network', { network: n.Name, error: messageOf(e) }),
          );
        // Its rules go with it; a network still there (a container Slipway does not own on it) keeps them.
        if (removed) await options.firewall.remove(bridgeOf(n).bridge);
      }
    },
    async removeEnvironment(app, environment) {
      // The route first: from here on its host answers that nothing is there, not a stopped container's error.
      routes.delete(key(app, environment));
      for (const c of await d.listManaged([`${LABELS.app}=${app}`, `${LABELS.env}=${environment}`])) await d.removeQuietly(c.Id);
    },
    logs: (app, environment, opts, signal) => streamContainerLogs(d, app, environment, opts, signal),
    runJob: (spec, onLine, signal) => runJob(d, spec, onLine, signal),
    buildNetwork: () => d.ensureBuildNetwork(),
    otherInstallations: () => listOtherInstallations(d),
    removeOtherInstallation: (id) => removeOtherInstallation(d, id),
    firewall: () => options.firewall.status(),
    route(app, environment) {
      return routes.get(key(app, environment)) ?? null;
    },
    async refreshRoutes() {
      const fresh = new Map<string, { host: string; port: number }>();
      for (const inst of (await d.listManaged()).map((c) => toInstance(c, d.installation)))
        if (inst.state === 'live' && inst.target) fresh.set(key(inst.app, inst.environment), inst.target);
      routes.clear();
      for (const [k, v] of fresh) routes.set(k, v);
    },
  };
}
