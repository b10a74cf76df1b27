// Warm releases (an environment's `warmReleases`): what served before steps aside paused instead of being removed,
// so that a rollback or publish back to its commit only wakes it and switches traffic. Paused, it costs its memory
// and no CPU; `docker unpause` takes milliseconds where a new container takes a start and a health check.
import type { ContainerInfo } from 'dockerode';
import { messageOf } from '../../shared/errors.js';
import type { DeploySpec, OnLine, WarmRelease } from '../runtime.js';
import { warmAt } from './container-names.js';
import type { DockerAccess } from './docker-access.js';
import { LABELS } from './docker-labels.js';
import { probeHealth } from './probe-health.js';
import { workingSetBytes } from './read-usage.js';

/** Pauses waiting for a grace period to end, by container id: a warm container woken meanwhile is not paused. */
const pending = new Map<string, NodeJS.Timeout>();

function nameOf(c: ContainerInfo): string {
  return (c.Names[0] ?? '').replace(/^\//, '');
}

/** The warm containers of one environment (`present`: its containers), newest first. */
export function warmOf(present: readonly ContainerInfo[], serving: string): ContainerInfo[] {
  return present.filter((c) => warmAt(nameOf(c), serving) !== null).sort((a, b) => (warmAt(nameOf(b), serving) ?? 0) - (warmAt(nameOf(a), serving) ?? 0));
}

/** A warm container that runs exactly what `spec` would (same commit, same create request but its name), if any. */
export function findWarm(present: readonly ContainerInfo[], serving: string, spec: DeploySpec, configHash: string): ContainerInfo | undefined {
  return warmOf(present, serving).find((c) => c.Labels[LABELS.commit] === spec.commit && c.Labels[LABELS.configHash] === configHash);
}

/**
 * Wakes a warm container and checks its health once: its port, or null when it cannot serve (it exited, or does
 * not answer), in which case it is removed and the caller deploys a new container. What serves is not touched.
 */
export async function wakeWarm(d: DockerAccess, warm: ContainerInfo, spec: DeploySpec, onLine: OnLine): Promise<{ port: number } | null> {
  const short = spec.commit.slice(0, 12);
  clearTimeout(pending.get(warm.Id));
  pending.delete(warm.Id);
  const port = warm.Ports.find((p) => p.IP === '127.0.0.1' && p.PrivatePort === spec.settings.port)?.PublicPort;
  const giveUp = async (why: string) => {
    onLine(`the warm container of ${short} ${why}: starting a new one`);
    await d.removeQuietly(warm.Id);
    return null;
  };
  if (!port || (warm.State !== 'paused' && warm.State !== 'running')) return giveUp(`is ${warm.State}`);
  onLine(`waking the warm container of ${short}`);
  if (warm.State === 'paused') {
    try {
      await d.docker.getContainer(warm.Id).unpause();
    } catch (e) {
      return giveUp(`could not be woken (${messageOf(e)})`);
    }
  }
  const probe = await probeHealth(port, spec.settings.healthPath, spec.environment.health.timeoutSeconds * 1000);
  if (!probe.ok) return giveUp(`did not answer ${spec.settings.healthPath} (${probe.detail})`);
  onLine(`health check ${spec.settings.healthPath} answered 200 (warm)`);
  return { port };
}

/** Removes warm containers beyond `keep`, oldest last in `warm` (newest first, as warmOf lists them). */
export async function trimWarm(d: DockerAccess, warm: readonly ContainerInfo[], keep: number): Promise<void> {
  for (const c of warm.slice(Math.max(0, keep))) {
    clearTimeout(pending.get(c.Id));
    pending.delete(c.Id);
    await d.removeQuietly(c.Id);
  }
}

/** Pauses a container that just stepped aside as warm once its grace period is over (requests in flight finish). */
export function pauseAfterGrace(d: DockerAccess, id: string, graceSeconds: number): void {
  const timer = setTimeout(() => {
    pending.delete(id);
    d.docker
      .getContainer(id)
      .pause()
      .catch((e: unknown) => d.log.debug('could not pause a warm container', { id: id.slice(0, 12), error: messageOf(e) }));
  }, graceSeconds * 1000);
  timer.unref();
  pending.set(id, timer);
}

/** The warm containers of the installation with the memory each holds (Docker's stats, one sample). */
export async function readWarm(d: DockerAccess): Promise<WarmRelease[]> {
  const all = await d.listManaged([`${LABELS.role}=web`]);
  const warm = all.filter((c) => warmAt(nameOf(c), d.servingName(c.Labels[LABELS.app] ?? '', c.Labels[LABELS.env] ?? '')) !== null);
  return Promise.all(
    warm.map(async (c) => {
      const s = await d.docker
        .getContainer(c.Id)
        .stats({ stream: false, 'one-shot': true })
        .catch(() => null); // gone between the listing and the call
      return {
        app: c.Labels[LABELS.app] ?? '',
        environment: c.Labels[LABELS.env] ?? '',
        commit: c.Labels[LABELS.commit] ?? '',
        state: c.State,
        memoryBytes: s ? workingSetBytes(s.memory_stats) : null,
      };
    }),
  );
}
