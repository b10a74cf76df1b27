// Deploying a web app: a candidate starts next to what serves, waits for health, takes the serving name, and
// the old one is retired after the grace period, or kept warm (warm-releases.ts), in which case a later deploy of
// its commit wakes it instead of starting a new one. What serves keeps serving whenever the candidate fails.
import type { ContainerInfo } from 'dockerode';
import { messageOf } from '../../shared/errors.js';
import type { DeployResult, DeploySpec, OnLine } from '../runtime.js';
import { candidateName, retiredName, warmName } from './container-names.js';
import { containerConfig } from './container-config.js';
import type { DockerAccess } from './docker-access.js';
import { LABELS } from './docker-labels.js';
import { nanoCpus } from './parse-quantity.js';
import { isServing, liveInstance } from './to-instance.js';
import { waitHealthy } from './wait-healthy.js';
import { findWarm, pauseAfterGrace, trimWarm, wakeWarm, warmOf } from './warm-releases.js';

/** Moves the proxy's route of the environment (in-process); the runtime puts it back when the deploy throws. */
export type MoveRoute = (target: { host: string; port: number }) => void;

export async function deployWeb(d: DockerAccess, spec: DeploySpec, onLine: OnLine, moveRoute: MoveRoute, signal?: AbortSignal): Promise<DeployResult> {
  const { docker, call } = d;
  const name = d.servingName(spec.app, spec.environment.name);
  const candidate = candidateName(name, spec.deploymentId);
  // One listing for both: what serves now (it steps aside once the new one is healthy; deploys of one app never
  // overlap) and what a deploy of this record cut off earlier left behind (removed first). Side by side with the
  // network check: neither needs the other, and a warm rollback waits on both.
  const [network, present] = await Promise.all([
    d.ensureNetwork(spec.app),
    d.listManaged([`${LABELS.app}=${spec.app}`, `${LABELS.env}=${spec.environment.name}`]),
  ]);
  const stale = present.filter((c) => c.Labels[LABELS.deployment] === spec.deploymentId);
  for (const c of stale) await d.removeQuietly(c.Id);
  const old = present.find((c) => isServing(c, d.installation) && !stale.includes(c));
  const config = containerConfig(spec, { name: candidate, role: 'web', network, installation: d.installation, dataDir: d.dataDir });
  // A rollback (or publish) to a release kept warm: wake it, check it once, switch. Any doubt: a new container.
  const warm = findWarm(present, name, spec, config.Labels?.[LABELS.configHash] ?? '');
  const woken = warm ? await wakeWarm(d, warm, spec, onLine) : null;
  const others = warmOf(present, name).filter((c) => c.Id !== warm?.Id);
  if (warm && woken) return switchTraffic(d, spec, { id: warm.Id, port: woken.port }, old, others, onLine, moveRoute);

  onLine(`starting ${spec.image} as ${candidate}`);
  const container = await call('creating the container', () => docker.createContainer(config));
  try {
    await call('starting the container', () => container.start());
  } catch (e) {
    await d.removeQuietly(container.id);
    return { ok: false, reason: `the container did not start: ${messageOf(e)}`, logTail: '' };
  }
  const info = await call('inspecting the container', () => container.inspect());
  const port = Number(info.NetworkSettings.Ports[`${spec.settings.port}/tcp`]?.[0]?.HostPort);
  if (!port) {
    await d.removeQuietly(container.id);
    return { ok: false, reason: `Docker published no port for ${spec.settings.port}/tcp`, logTail: '' };
  }
  const healthy = await waitHealthy(d, container.id, port, spec, onLine, signal);
  if (!healthy.ok) {
    const tail = await d.logTail(container.id);
    await d.removeQuietly(container.id);
    return { ok: false, reason: healthy.reason, logTail: tail };
  }
  // The start-up boost ends as traffic moves, not before: the update (~20 ms) runs beside the renames, after the
  // route moved, so the first requests meet at most a few milliseconds of the boost and no one waits for it.
  const limit = () => call('applying the CPU limit', () => container.update({ NanoCpus: nanoCpus(spec.environment.resources.cpu) }));
  return switchTraffic(d, spec, { id: container.id, port }, old, others, onLine, moveRoute, limit);
}

/**
 * Switch: the route moves, the old container steps aside under another name (warm, or retired), the new one takes
 * the serving name. Requests in flight to the old one finish during the grace period; then it is paused
 * (kept warm: `warmReleases`) or removed. `others`: the environment's other warm containers, trimmed to the bound.
 */
async function switchTraffic(
  d: DockerAccess,
  spec: DeploySpec,
  next: { id: string; port: number },
  old: ContainerInfo | undefined,
  others: readonly ContainerInfo[],
  onLine: OnLine,
  moveRoute: MoveRoute,
  /** After the route moved: what else the new container needs (its CPU limit), awaited with the renames. */
  afterSwitch: () => Promise<unknown> = async () => undefined,
): Promise<DeployResult> {
  const { docker, call } = d;
  const name = d.servingName(spec.app, spec.environment.name);
  const keep = spec.environment.warmReleases;
  // A redeploy of the same commit (a secret changed) has nothing worth keeping warm.
  const warmOld = old !== undefined && keep > 0 && old.Labels[LABELS.commit] !== spec.commit && old.State === 'running';
  const oldName = old?.Names[0]?.replace(/^\//, '');
  // The route first: traffic moves now, and the renames (which say in Docker what serves, for a restart) follow.
  // Should they fail, the runtime puts the route back and the old container keeps its name and serves on.
  const target = { host: '127.0.0.1', port: next.port };
  moveRoute(target);
  onLine(`traffic for ${spec.environment.title} now goes to ${spec.commit.slice(0, 12)}`);
  // It serves already: a limit Docker failed to apply is said, not a reason to move traffic back.
  const after = afterSwitch().catch((e: unknown) => {
    onLine(`warning: ${messageOf(e)}`);
    d.log.warn('could not finish switching to the new container', { id: next.id.slice(0, 12), error: messageOf(e) });
  });
  if (old) await call('renaming the old container', () => docker.getContainer(old.Id).rename({ name: (warmOld ? warmName : retiredName)(name, Date.now()) }));
  try {
    await call('renaming the new container', () => docker.getContainer(next.id).rename({ name }));
  } catch (e) {
    // The old one takes its name back and keeps serving; the candidate goes (the next pass deploys again).
    if (old && oldName)
      await docker
        .getContainer(old.Id)
        .rename({ name: oldName })
        .catch((back: unknown) => d.log.warn('could not give the old container its name back', { id: old.Id, error: messageOf(back) }));
    await d.removeQuietly(next.id);
    throw e;
  }
  // Not awaited: removing a paused container takes Docker a few hundred milliseconds, which the deployment's record
  // (and the API's answer) would wait for. A later deploy that lists one being removed finds it gone when it tries to wake it.
  await after;
  void trimWarm(d, others, keep - (warmOld ? 1 : 0));
  if (old && warmOld) pauseAfterGrace(d, old.Id, spec.environment.graceSeconds);
  else if (old) setTimeout(() => void retire(d, old.Id), spec.environment.graceSeconds * 1000).unref();
  return { ok: true, instance: liveInstance(spec, new Date().toISOString(), target) };
}

async function retire(d: DockerAccess, id: string): Promise<void> {
  try {
    await d.docker.getContainer(id).stop({ t: 5 });
  } catch {
    /* already stopped */
  }
  await d.removeQuietly(id);
}
