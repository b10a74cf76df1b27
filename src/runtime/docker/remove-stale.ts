// Cleaning up after deploys that were cut off: a retired container takes its serving name back when nothing
// else holds it, and everything that neither serves, nor is kept warm, nor belongs to a deploy in progress is removed.
import type { ContainerInfo } from 'dockerode';
import { messageOf } from '../../shared/errors.js';
import { retiredAt, warmAt } from './container-names.js';
import type { DockerAccess } from './docker-access.js';
import { LABELS } from './docker-labels.js';
import { isServing } from './to-instance.js';

export async function removeStale(d: DockerAccess, isActive: (deploymentId: string) => boolean): Promise<number> {
  const all = await d.listManaged();
  const restored = await restoreRetired(d, all);
  let removed = 0;
  for (const c of all) {
    if (restored.has(c.Id)) continue;
    const role = c.Labels[LABELS.role];
    const serving = isServing(c, d.installation);
    if (serving && (c.State === 'running' || role === 'job')) continue;
    // Kept for an instant rollback; each deploy of its environment bounds how many (warm-releases.ts).
    if (isWarm(d, c) && (c.State === 'paused' || c.State === 'running')) continue;
    const deploymentId = c.Labels[LABELS.deployment];
    if (!serving && deploymentId && isActive(deploymentId) && role === 'job-run') continue;
    await d.removeQuietly(c.Id);
    removed++;
  }
  return removed;
}

/**
 * A switch cut off between its two renames (Slipway killed, Docker restarted) leaves an environment with no
 * serving container but the old one, still running under its retired name: it takes the serving name back, so
 * what served before serves again at once rather than after a whole new deploy. Returns the ids restored.
 */
async function restoreRetired(d: DockerAccess, all: ContainerInfo[]): Promise<Set<string>> {
  const restored = new Set<string>();
  const web = all.filter((c) => c.Labels[LABELS.role] === 'web');
  const environments = new Map<string, { app: string; env: string }>();
  for (const c of web) {
    const app = c.Labels[LABELS.app] ?? '';
    const env = c.Labels[LABELS.env] ?? '';
    environments.set(`${app}/${env}`, { app, env });
  }
  for (const { app, env } of environments.values()) {
    const mine = web.filter((c) => c.Labels[LABELS.app] === app && c.Labels[LABELS.env] === env);
    if (mine.some((c) => isServing(c, d.installation))) continue;
    const name = d.servingName(app, env);
    // A warm one still running is in its grace period: it stepped aside in the switch that was cut off.
    const when = (c: ContainerInfo) => {
      const n = (c.Names[0] ?? '').replace(/^\//, '');
      return retiredAt(n, name) ?? warmAt(n, name);
    };
    const newest = mine.filter((c) => c.State === 'running' && when(c) !== null).sort((a, b) => (when(b) ?? 0) - (when(a) ?? 0))[0];
    if (!newest) continue;
    try {
      await d.docker.getContainer(newest.Id).rename({ name });
      restored.add(newest.Id);
      d.log.info('a switch was cut off: what served before serves again', { app, environment: env, container: newest.Id.slice(0, 12) });
    } catch (e) {
      d.log.warn('could not give a retired container its serving name back', { app, environment: env, error: messageOf(e) });
    }
  }
  return restored;
}

function isWarm(d: DockerAccess, c: ContainerInfo): boolean {
  const serving = d.servingName(c.Labels[LABELS.app] ?? '', c.Labels[LABELS.env] ?? '');
  return warmAt((c.Names[0] ?? '').replace(/^\//, ''), serving) !== null;
}
