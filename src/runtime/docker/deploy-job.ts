// Deploying a scheduled job: its environment is a created, never-started container holding what is deployed;
// runs are copies of it (run-job.ts).
import type { DeployResult, DeploySpec, OnLine } from '../runtime.js';
import { containerConfig } from './container-config.js';
import type { DockerAccess } from './docker-access.js';
import { LABELS } from './docker-labels.js';
import { isServing, liveInstance } from './to-instance.js';

export async function deployJob(d: DockerAccess, spec: DeploySpec, onLine: OnLine): Promise<DeployResult> {
  const name = d.servingName(spec.app, spec.environment.name);
  const network = await d.ensureNetwork(spec.app);
  const existing = (await d.listManaged([`${LABELS.app}=${spec.app}`, `${LABELS.env}=${spec.environment.name}`])).filter((c) => isServing(c, d.installation));
  for (const c of existing) await d.removeQuietly(c.Id);
  const container = await d.call('creating the job container', () =>
    d.docker.createContainer(containerConfig(spec, { name, role: 'job', network, installation: d.installation, dataDir: d.dataDir })),
  );
  onLine(`scheduled job ${spec.settings.schedule ?? ''} now runs ${spec.commit.slice(0, 12)}`);
  const info = await d.call('inspecting the job container', () => container.inspect());
  return { ok: true, instance: liveInstance(spec, info.Created) };
}
