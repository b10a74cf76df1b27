// A log file as plain text, or (for EventSource clients) as SSE: every line so far, then new lines as they are
// written, then an `end` event. The file is the source; pipeline events only say "look again".
import { createReadStream, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Context } from 'koa';
import { openSse, wantsEventStream } from './sse.js';

export interface LogSource {
  path: string;
  /** Whether more lines may come. */
  isRunning: () => boolean;
  /** Calls `wake` whenever something may have been written; returns the unsubscribe function. */
  subscribe: (wake: () => void) => () => void;
}

export async function serveLog(ctx: Context, source: LogSource): Promise<void> {
  if (!wantsEventStream(ctx)) {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = existsSync(source.path) ? createReadStream(source.path) : '';
    return;
  }
  const sse = openSse(ctx);
  let offset = 0;
  let partial = '';
  let reading = false;
  let dirty = false;
  let n = 0;
  const pump = async (): Promise<void> => {
    if (reading) {
      dirty = true;
      return;
    }
    reading = true;
    try {
      do {
        dirty = false;
        const running = source.isRunning();
        if (existsSync(source.path)) {
          const fh = await open(source.path, 'r');
          try {
            const { size } = await fh.stat();
            if (size > offset) {
              const buf = Buffer.alloc(size - offset);
              await fh.read(buf, 0, buf.length, offset);
              offset = size;
              const lines = (partial + buf.toString('utf8')).split('\n');
              partial = lines.pop() ?? '';
              for (const line of lines) sse.send('line', { line }, String(++n));
            }
          } finally {
            await fh.close();
          }
        }
        if (!running) {
          if (partial) sse.send('line', { line: partial }, String(++n));
          sse.send('end', { lines: n });
          sse.close();
          return;
        }
      } while (dirty);
    } finally {
      reading = false;
    }
  };
  const stop = source.subscribe(() => void pump());
  // Writes that happen between two events are picked up by a slow poll as well.
  const poll = setInterval(() => void pump(), 1000);
  sse.onClose(() => {
    stop();
    clearInterval(poll);
  });
  await pump();
}
