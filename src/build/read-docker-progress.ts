// Reads the JSON-lines progress stream of Docker's build and push endpoints, one event at a time.
// Used instead of modem.followProgress, which JSON.parses without a try/catch and cuts UTF-8 mid-character.
import { StringDecoder } from 'node:string_decoder';

export interface DockerProgressEvent {
  /** Build output (may hold several lines, or part of one). */
  stream?: string;
  /** Pull/push status ("Pushing", "Pushed", "digest: sha256:…"). */
  status?: string;
  id?: string;
  /** A progress bar; present while a layer is transferring. */
  progress?: string;
  /** Docker reports failures here, inside a 200 response, not as an HTTP error. */
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string; Tag?: string; Digest?: string };
}

/** Resolves when the stream ends; rejects when it breaks (engine gone, aborted). Errors reported by Docker are events. */
export async function readDockerProgress(stream: NodeJS.ReadableStream, onEvent: (event: DockerProgressEvent) => void, signal?: AbortSignal): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let buffered = '';
  const take = (line: string) => {
    if (line.trim() === '') return;
    let event: DockerProgressEvent;
    try {
      event = JSON.parse(line) as DockerProgressEvent;
    } catch {
      // Not JSON (a proxy in between, an engine bug): keep the text rather than lose it.
      event = { stream: `${line}\n` };
    }
    onEvent(event);
  };

  // Aborting the request alone may leave an already-open response readable; destroy it too.
  const readable = stream as NodeJS.ReadableStream & { destroy?: (error?: Error) => void };
  const onAbort = () => readable.destroy?.(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of readable as AsyncIterable<Buffer | string>) {
      buffered += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      let at: number;
      while ((at = buffered.indexOf('\n')) >= 0) {
        take(buffered.slice(0, at));
        buffered = buffered.slice(at + 1);
      }
    }
    take(buffered + decoder.end());
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
