// A log file as plain text, or (for EventSource clients) as SSE: every line so far, then new lines as they are
// written, then an `end` event. The file is the source; pipeline events only say "look again".
import { createReadStream, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Context } from 'koa';
import { openSse, wantsEventStream } from './sse.js';

export interface LogSource {
  path: string;
  /** Whether more lines may come. */
  isRunning: () => boolean;
  /** Calls `wake` whenever something may have been written; returns the unsubscribe function. */
  subscribe: (wake: () => void) => () => void;
  /** Retention removed the file: this one line is the log. */
  removed?: string | undefined;
}

const CHUNK_BYTES = 64 * 1024;

export async function serveLog(ctx: Context, source: LogSource): Promise<void> {
  if (source.removed !== undefined) {
    if (!wantsEventStream(ctx)) {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `${source.removed}\n`;
      return;
    }
    const sse = openSse(ctx);
    sse.send('line', { line: source.removed }, '1');
    sse.send('end', { lines: 1 });
    sse.close();
    return;
  }
  if (!wantsEventStream(ctx)) {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = existsSync(source.path) ? createReadStream(source.path) : '';
    return;
  }
  const sse = openSse(ctx);
  let offset = 0;
  let partial = '';
  const decoder = new StringDecoder('utf8'); // a character cut between two chunks is put back together
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
            // In chunks, each sent before the next is read: a long log is never read whole into memory, and a slow
            // client holds back the reading rather than a growing buffer.
            const buf = Buffer.alloc(Math.min(CHUNK_BYTES, Math.max(0, size - offset)));
            while (offset < size) {
              const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - offset), offset);
              if (bytesRead === 0) break;
              offset += bytesRead;
              const lines = (partial + decoder.write(buf.subarray(0, bytesRead))).split('\n');
              partial = lines.pop() ?? '';
              for (const line of lines) sse.send('line', { line }, String(++n));
              await sse.drained();
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
  // Not awaited: Koa sends the answer (and so drains what was sent) only once this handler returns.
  void pump().catch(() => sse.close());
}
