// What every part of the Docker runtime shares: the client, clear errors, listings of this installation's
// containers, quiet removal, log tails and the app's network.
import type Docker from 'dockerode';
import type { ContainerInfo } from 'dockerode';
import { toDockerUnreachable } from '../../shared/docker/docker-unreachable.js';
import { messageOf } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { networkName, servingName } from './container-names.js';
import { demuxFrames } from './demux-lines.js';
import { LABELS, ownedBy } from './docker-labels.js';

export interface DockerAccess {
  readonly docker: Docker;
  readonly installation: string;
  readonly log: Logger;
  /** Rethrows connection failures as "Docker is not reachable at …", anything else as "`what`: …". */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** This installation's containers (running or not), narrowed by more label filters. */
  listManaged(filters?: string[]): Promise<ContainerInfo[]>;
  /** The serving name of an environment in this installation. */
  servingName(app: string, environment: string): string;
  removeQuietly(id: string): Promise<void>;
  logTail(id: string, lines?: number): Promise<string>;
  /** Creates the app's network when missing; returns its name. */
  ensureNetwork(app: string): Promise<string>;
}

export function createDockerAccess(o: { docker: Docker; endpoint: string; installation: string; log: Logger }): DockerAccess {
  const { docker, installation, log } = o;
  const owned = ownedBy(installation);

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toDockerUnreachable(e, o.endpoint) ?? new Error(`${what}: ${messageOf(e)}`, { cause: e });
    }
  }

  return {
    docker,
    installation,
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
    async ensureNetwork(app) {
      const name = networkName(installation, app);
      const existing = await call('listing networks', () => docker.listNetworks({ filters: { name: [name] } }));
      if (!existing.some((n) => n.Name === name)) {
        await call('creating the app network', () =>
          docker.createNetwork({ Name: name, Driver: 'bridge', Labels: { [LABELS.managed]: 'true', [LABELS.installation]: installation, [LABELS.app]: app } }),
        ).catch((e: unknown) => {
          if (!/already exists/.test(messageOf(e))) throw e;
        });
      }
      return name;
    },
  };
}
