// CPU and memory of each environment's serving container, from Docker's stats (one sample each, no stream).
import type { ContainerStats } from 'dockerode';
import type { EnvironmentUsage, ResourceUsage } from '../runtime.js';
import type { DockerAccess } from './docker-access.js';
import { LABELS } from './docker-labels.js';
import { isServing } from './to-instance.js';

/** Containers asked at once: each stats call costs Docker a few cgroup reads. */
const AT_ONCE = 4;

/** Memory as `docker stats` shows it: usage without the inactive page cache (cgroup v1 and v2 name it differently). */
export function workingSetBytes(m: ContainerStats['memory_stats']): number {
  const usage = m.usage ?? 0;
  const stats = (m.stats ?? {}) as Partial<Record<string, number>>;
  const inactive = stats.total_inactive_file ?? stats.inactive_file ?? 0;
  return Math.max(0, usage - inactive);
}

export async function readUsage(d: DockerAccess): Promise<ResourceUsage> {
  const serving = (await d.listManaged([`${LABELS.role}=web`])).filter((c) => c.State === 'running' && isServing(c, d.installation));
  const environments: EnvironmentUsage[] = [];
  for (let i = 0; i < serving.length; i += AT_ONCE) {
    const batch = await Promise.all(
      serving.slice(i, i + AT_ONCE).map(async (c) => {
        // one-shot: the current counters at once (without it Docker waits a second for a second sample).
        const s = await d.docker
          .getContainer(c.Id)
          .stats({ stream: false, 'one-shot': true })
          .catch(() => null); // gone between the listing and the call
        if (!s) return null;
        return {
          app: c.Labels[LABELS.app] ?? '',
          environment: c.Labels[LABELS.env] ?? '',
          cpuSeconds: (s.cpu_stats?.cpu_usage?.total_usage ?? 0) / 1e9,
          memoryBytes: workingSetBytes(s.memory_stats),
        };
      }),
    );
    for (const u of batch) if (u) environments.push(u);
  }
  return { available: true, environments };
}
