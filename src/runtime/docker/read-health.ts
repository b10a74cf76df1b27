// Restarts and problems of each environment's serving container: Docker restarts a web container that exits
// (restart policy unless-stopped), and counts it.
import type { EnvironmentHealth } from '../runtime.js';
import type { DockerAccess } from './docker-access.js';
import { LABELS } from './docker-labels.js';
import { isServing } from './to-instance.js';

export async function readHealth(d: DockerAccess, app: string): Promise<EnvironmentHealth[]> {
  const serving = (await d.listManaged([`${LABELS.app}=${app}`, `${LABELS.role}=web`])).filter((c) => isServing(c, d.installation));
  return Promise.all(
    serving.map(async (c) => {
      const info = await d.call('inspecting a container', () => d.docker.getContainer(c.Id).inspect());
      const s = info.State;
      const problem = s.Restarting
        ? `restarting: the app exited with code ${s.ExitCode}`
        : s.Running
          ? null
          : `${s.Status}${s.Status === 'exited' ? ` with code ${s.ExitCode}` : ''}${s.Error ? ` (${s.Error})` : ''}`;
      return { environment: c.Labels[LABELS.env] ?? '', restarts: info.RestartCount, problem };
    }),
  );
}
