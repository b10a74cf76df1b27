// Other Slipway installations on this Docker Engine, found by their labels: for `slipway repair`, which lists them
// and (with --prune) removes what an installation that no longer exists left behind. An installation exists while
// its data folder (the `slipway.data-dir` label) records its id (src/shared/installation-id.ts), or has no record
// yet but is the folder the id was derived from. Containers from before the label are of an unknown owner: listed,
// never removed.
import type { ContainerInfo, NetworkInspectInfo } from 'dockerode';
import { existsSync } from 'node:fs';
import { derivedInstallationId, recordedInstallationId } from '../../shared/installation-id.js';
import { messageOf } from '../../shared/errors.js';
import type { OtherInstallation } from '../runtime.js';
import { bridgeOf, type DockerAccess } from './docker-access.js';
import { LABELS } from './docker-labels.js';

/** Whether the installation `id` whose data folder was `dataDir` still exists (null: it cannot be known). */
export function installationExists(id: string, dataDir: string | undefined): boolean | null {
  if (!dataDir) return null;
  if (!existsSync(dataDir)) return false;
  const recorded = recordedInstallationId(dataDir);
  return recorded ? recorded === id : derivedInstallationId(dataDir) === id;
}

async function everything(d: DockerAccess): Promise<{ containers: ContainerInfo[]; networks: NetworkInspectInfo[] }> {
  const label = [`${LABELS.managed}=true`];
  const [containers, networks] = await Promise.all([
    d.call('listing containers', () => d.docker.listContainers({ all: true, filters: { label } })),
    d.call('listing networks', () => d.docker.listNetworks({ filters: { label } })),
  ]);
  return { containers, networks };
}

export async function listOtherInstallations(d: DockerAccess): Promise<OtherInstallation[]> {
  const { containers, networks } = await everything(d);
  const byId = new Map<string, OtherInstallation>();
  const entry = (id: string, dataDir: string | undefined): OtherInstallation => {
    let e = byId.get(id);
    if (!e) {
      e = { installation: id, dataDir: dataDir ?? null, exists: installationExists(id, dataDir), containers: [], networks: [] };
      byId.set(id, e);
    }
    return e;
  };
  for (const c of containers) {
    const id = c.Labels[LABELS.installation];
    if (!id || id === d.installation) continue;
    entry(id, c.Labels[LABELS.dataDir]).containers.push({ name: (c.Names[0] ?? c.Id).replace(/^\//, ''), state: c.State });
  }
  for (const n of networks) {
    const id = n.Labels?.[LABELS.installation];
    if (!id || id === d.installation) continue;
    entry(id, n.Labels?.[LABELS.dataDir]).networks.push(n.Name);
  }
  return [...byId.values()].sort((a, b) => a.installation.localeCompare(b.installation));
}

/** Removes the containers and networks (with their firewall rules) of an installation that no longer exists. */
export async function removeOtherInstallation(d: DockerAccess, id: string): Promise<{ containers: number; networks: number }> {
  const found = (await listOtherInstallations(d)).find((i) => i.installation === id);
  if (!found) return { containers: 0, networks: 0 };
  if (found.exists !== false) throw new Error(`installation ${id} may still exist (${found.dataDir ?? 'its data folder is not known'}): not removed`);
  const { containers, networks } = await everything(d);
  let removedContainers = 0;
  let removedNetworks = 0;
  for (const c of containers.filter((x) => x.Labels[LABELS.installation] === id)) {
    await d.removeQuietly(c.Id);
    removedContainers += 1;
  }
  for (const n of networks.filter((x) => x.Labels?.[LABELS.installation] === id)) {
    try {
      await d.docker.getNetwork(n.Id).remove();
      await d.firewall.remove(bridgeOf(n).bridge);
      removedNetworks += 1;
    } catch (e) {
      d.log.warn('could not remove a network of a gone installation', { network: n.Name, error: messageOf(e) });
    }
  }
  return { containers: removedContainers, networks: removedNetworks };
}
