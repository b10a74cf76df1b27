// Log lines of what serves an environment: the last lines, and with follow the live ones until `signal` aborts.
import type { DockerAccess } from './docker-access.js';
import { demuxLines } from './demux-lines.js';
import { LABELS } from './docker-labels.js';
import { isServing } from './to-instance.js';

export async function* streamContainerLogs(
  d: DockerAccess,
  app: string,
  environment: string,
  opts: { tail: number; follow: boolean },
  signal?: AbortSignal,
): AsyncIterable<string> {
  const c = (await d.listManaged([`${LABELS.app}=${app}`, `${LABELS.env}=${environment}`])).find((x) => isServing(x, d.installation));
  if (!c) return;
  if (!opts.follow) {
    for (const line of (await d.logTail(c.Id, opts.tail)).split('\n')) if (line) yield line;
    return;
  }
  const stream = (await d.call('reading logs', () =>
    d.docker.getContainer(c.Id).logs({ stdout: true, stderr: true, follow: true, tail: opts.tail }),
  )) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const stop = () => stream.destroy();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    yield* demuxLines(stream as AsyncIterable<Buffer>);
  } finally {
    signal?.removeEventListener('abort', stop);
    stop();
  }
}
