// What every part of the Docker runtime shares: the client, clear errors, listings of this installation's
// containers, quiet removal, log tails and the networks (with their firewall rules).
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import type { ContainerInfo, NetworkInspectInfo } from 'dockerode';
import { toDockerUnreachable } from '../../shared/docker/docker-unreachable.js';
import { messageOf } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { bridgeName, buildNetworkName, networkName, servingName } from './container-names.js';
import { demuxFrames } from './demux-lines.js';
import { LABELS, ownedBy } from './docker-labels.js';
import type { Firewall } from './firewall.js';
import type { FirewallNetwork } from './firewall-rules.js';
import { DEFAULT_SUBNET_POOL, formatCidr, parseCidr, parseProcRoutes, pickSubnet, startFor, type Ipv4Net } from '../../domain/subnet-pool.js';

/** The host's IPv4 routes (none where `/proc/net/route` cannot be read: not Linux, or no procfs). */
function hostRoutes(): Ipv4Net[] {
  try {
    return parseProcRoutes(readFileSync('/proc/net/route', 'utf8'));
  } catch {
    return [];
  }
}

/** Network creates run one at a time in this process (every runtime in it), so two never pick the same free subnet. */
let creating: Promise<void> = Promise.resolve();

/** Docker's option naming a bridge network's interface. */
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

/** A network's bridge interface: the name Slipway gave it, or Docker's `br-ID` (networks made before it did). */
export function bridgeOf(n: Pick<NetworkInspectInfo, 'Id' | 'Name' | 'Options'>): FirewallNetwork {
  return { name: n.Name, bridge: n.Options?.[BRIDGE_NAME_OPTION] ?? `br-${n.Id.slice(0, 12)}` };
}

export interface DockerAccess {
  readonly docker: Docker;
  readonly installation: string;
  /** The installation's data folder, on its containers and networks as a label (other-installations.ts reads it). */
  readonly dataDir: string | undefined;
  readonly log: Logger;
  readonly firewall: Firewall;
  /** Rethrows connection failures as "Docker is not reachable at …", anything else as "`what`: …". */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** This installation's containers (running or not), narrowed by more label filters. */
  listManaged(filters?: string[]): Promise<ContainerInfo[]>;
  /** The serving name of an environment in this installation. */
  servingName(app: string, environment: string): string;
  removeQuietly(id: string): Promise<void>;
  logTail(id: string, lines?: number): Promise<string>;
  /** Creates the app's network when missing, and its firewall rules; returns its name. */
  ensureNetwork(app: string): Promise<string>;
  /** The same for the network builds run on. */
  ensureBuildNetwork(): Promise<string>;
}

export function createDockerAccess(o: {
  docker: Docker;
  endpoint: string;
  installation: string;
  dataDir?: string | undefined;
  log: Logger;
  firewall: Firewall;
  /** The pool new networks' subnets come from (pick-subnet.ts); null leaves it to Docker's default address pools. */
  subnets?: Ipv4Net | null | undefined;
}): DockerAccess {
  const { docker, installation, log, firewall } = o;
  const pool = o.subnets === undefined ? DEFAULT_SUBNET_POOL : o.subnets;
  const owned = ownedBy(installation);

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toDockerUnreachable(e, o.endpoint) ?? new Error(`${what}: ${messageOf(e)}`, { cause: e });
    }
  }

  // Callers asking for the same network at once (builds of several apps, started together from the build queue)
  // share one check-and-create: two creates of one name race, and Docker refuses the second with a bridge-name
  // conflict rather than "already exists".
  const ensuring = new Map<string, Promise<string>>();

  /** Creates the network when missing (its bridge named for the firewall), then its rules, before anything runs on it. */
  function ensure(name: string, labels: Record<string, string>, options: Record<string, string>): Promise<string> {
    let pending = ensuring.get(name);
    if (!pending) {
      pending = ensureOnce(name, labels, options).finally(() => ensuring.delete(name));
      ensuring.set(name, pending);
    }
    return pending;
  }

  async function create(name: string, labels: Record<string, string>, options: Record<string, string>): Promise<void> {
    // Another process on the engine (a CLI command, another installation) may take the subnet picked here first:
    // Docker then refuses with "Pool overlaps", and the next free one is tried.
    for (let attempt = 1; ; attempt++) {
      const subnet = pool ? await freeSubnet(pool, name) : null;
      try {
        await call('creating a network', () =>
          docker.createNetwork({
            Name: name,
            Driver: 'bridge',
            Options: { [BRIDGE_NAME_OPTION]: bridgeName(name), ...options },
            ...(subnet ? { IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] } } : {}),
            Labels: { [LABELS.managed]: 'true', [LABELS.installation]: installation, ...(o.dataDir ? { [LABELS.dataDir]: o.dataDir } : {}), ...labels },
          }),
        );
        return;
      } catch (e) {
        const message = messageOf(e);
        // Made meanwhile by another process on the same engine (a CLI command, a second server on this data folder).
        if (/already exists|same bridge name/.test(message)) return;
        if (subnet && /overlap/i.test(message) && attempt < 20) continue;
        throw e;
      }
    }
  }

  /** The first subnet of the pool that no Docker network and no route of the host covers. */
  async function freeSubnet(from: Ipv4Net, name: string): Promise<string | null> {
    const networks = await call('listing networks', () => docker.listNetworks());
    const taken = [
      ...networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => parseCidr(c.Subnet ?? '')).filter((c): c is Ipv4Net => c !== null)),
      ...hostRoutes(),
    ];
    const subnet = pickSubnet(from, taken, startFor(name));
    // Full (or covered by the host's own routes, a VPN's 10.0.0.0/8): Docker's default pools may still have room.
    if (!subnet) log.warn(`every subnet of SLIPWAY_DOCKER_SUBNETS (${formatCidr(from)}) is taken: this network gets one from Docker's pools`);
    return subnet;
  }

  async function ensureOnce(name: string, labels: Record<string, string>, options: Record<string, string>): Promise<string> {
    const inspect = () => call('inspecting a network', () => docker.getNetwork(name).inspect() as Promise<NetworkInspectInfo>);
    let info = await inspect().catch((e: unknown) => {
      if (/no such network|not found/i.test(messageOf(e))) return null;
      throw e;
    });
    if (!info) {
      await (creating = creating.then(
        () => create(name, labels, options),
        () => create(name, labels, options),
      ));
      info = await inspect();
    }
    await firewall.ensure(bridgeOf(info));
    return name;
  }

  return {
    docker,
    firewall,
    installation,
    dataDir: o.dataDir,
    log,
    call,
    listManaged: (filters = []) => call('listing containers', () => docker.listContainers({ all: true, filters: { label: [...owned, ...filters] } })),
    servingName: (app, environment) => servingName(installation, app, environment),
    async removeQuietly(id) {
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch((e: unknown) => log.debug('container already gone', { id, error: messageOf(e) }));
    },
    async logTail(id, lines = 30) {
      try {
        const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
        return demuxFrames(Buffer.isBuffer(buf) ? buf : Buffer.from(buf)).text.trimEnd();
      } catch (e) {
        return `(could not read the container's logs: ${messageOf(e)})`;
      }
    },
    ensureNetwork: (app) => ensure(networkName(installation, app), { [LABELS.app]: app }, {}),
    // No traffic between builds of different apps (Docker drops it on the bridge).
    ensureBuildNetwork: () => ensure(buildNetworkName(installation), { [LABELS.role]: 'build' }, { 'com.docker.network.bridge.enable_icc': 'false' }),
  };
}
