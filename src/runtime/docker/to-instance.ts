// What a container of this installation is, in the runtime's terms: which app and environment (from its labels),
// and whether it serves (from its name).
import type { ContainerInfo } from 'dockerode';
import type { DeploySpec, Instance } from '../runtime.js';
import { legacyServingName, servingName } from './container-names.js';
import { LABELS } from './docker-labels.js';

/** Whether the container holds its environment's serving name (or the name used before installation ids). */
export function isServing(c: ContainerInfo, installation: string): boolean {
  const app = c.Labels[LABELS.app] ?? '';
  const environment = c.Labels[LABELS.env] ?? '';
  return c.Names.includes(`/${servingName(installation, app, environment)}`) || c.Names.includes(`/${legacyServingName(app, environment)}`);
}

export function toInstance(c: ContainerInfo, installation: string): Instance {
  const labels = c.Labels;
  const serving = isServing(c, installation);
  const job = labels[LABELS.role] === 'job';
  const port = c.Ports.find((p) => p.IP === '127.0.0.1' && p.PublicPort)?.PublicPort;
  const state: Instance['state'] = serving
    ? c.State === 'running' || (job && c.State === 'created')
      ? 'live'
      : 'stopped'
    : c.State === 'running'
      ? 'starting'
      : 'stopped';
  return {
    app: labels[LABELS.app] ?? '',
    environment: labels[LABELS.env] ?? '',
    commit: labels[LABELS.commit] ?? '',
    image: c.Image,
    state,
    ...(port && !job ? { target: { host: '127.0.0.1', port } } : {}),
    since: new Date(c.Created * 1000).toISOString(),
    ...(labels[LABELS.deployment] ? { deploymentId: labels[LABELS.deployment] } : {}),
  };
}

/** What a deploy that just went live serves: the spec it was given, since `since`, at `target` for web apps. */
export function liveInstance(spec: DeploySpec, since: string, target?: { host: string; port: number }): Instance {
  return {
    app: spec.app,
    environment: spec.environment.name,
    commit: spec.commit,
    image: spec.image,
    state: 'live',
    ...(target ? { target } : {}),
    since,
    deploymentId: spec.deploymentId,
  };
}
