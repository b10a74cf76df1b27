// Running a scheduled job once: a container of the environment's image that streams its output and is removed.
import type { DeploySpec, JobRun, OnLine } from '../runtime.js';
import { jobRunName } from './container-names.js';
import { containerConfig } from './container-config.js';
import type { DockerAccess } from './docker-access.js';
import { demuxLines } from './demux-lines.js';

export async function runJob(d: DockerAccess, spec: DeploySpec, onLine: OnLine, signal?: AbortSignal): Promise<JobRun> {
  const network = await d.ensureNetwork(spec.app);
  const name = jobRunName(d.servingName(spec.app, spec.environment.name), Date.now());
  const container = await d.call('creating the job run', () =>
    d.docker.createContainer(containerConfig(spec, { name, role: 'job-run', network, installation: d.installation, dataDir: d.dataDir })),
  );
  try {
    await d.call('starting the job run', () => container.start());
    const stream = (await container.logs({ stdout: true, stderr: true, follow: true })) as unknown as AsyncIterable<Buffer> & { destroy(): void };
    const abort = () => void container.kill().catch(() => undefined);
    signal?.addEventListener('abort', abort, { once: true });
    const tail: string[] = [];
    for await (const line of demuxLines(stream)) {
      onLine(line);
      tail.push(line);
      if (tail.length > 30) tail.shift();
    }
    signal?.removeEventListener('abort', abort);
    const result = (await container.wait()) as { StatusCode?: number };
    return { exitCode: result.StatusCode ?? null, logTail: tail.join('\n') };
  } finally {
    await d.removeQuietly(container.id);
  }
}
