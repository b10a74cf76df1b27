// Server-Sent Events on a Koa context: headers, a writer, keep-alive pings, and cleanup when the client goes.
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import type { StreamLimits } from './stream-limits.js';

export interface SseStream {
  send(event: string, data: unknown, id?: string): void;
  close(): void;
  /** Runs when the client disconnects (or close() is called). */
  onClose(fn: () => void): void;
  /** Resolves once what was sent has mostly gone to the client (or it went away): for senders of much. */
  drained(): Promise<void>;
}

export function wantsEventStream(ctx: Context): boolean {
  return (ctx.get('accept') || '').includes('text/event-stream');
}

/** Opens the stream, counted against the token's streams (createWebApp's limit): refused with 429 past it. */
export function openSse(ctx: Context): SseStream {
  const limits = ctx.state.streamLimits as StreamLimits | undefined;
  const principal = ctx.state.principal as { name?: string; tokenId?: string } | undefined;
  const release = limits?.open(principal?.tokenId ?? principal?.name ?? 'anonymous') ?? (() => undefined);
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.req.socket.setKeepAlive(true);
  ctx.set({ 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  ctx.type = 'text/event-stream; charset=utf-8';
  ctx.status = 200;
  const out = new PassThrough();
  ctx.body = out;
  out.write('retry: 2000\n\n');
  const closers: (() => void)[] = [];
  let closed = false;
  const ping = setInterval(() => out.write(': ping\n\n'), 15_000);
  const close = () => {
    if (closed) return;
    closed = true;
    release();
    clearInterval(ping);
    for (const fn of closers) fn();
    out.end();
  };
  ctx.res.on('close', close);
  return {
    send(event, data, id) {
      if (!closed) out.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close,
    onClose: (fn) => void closers.push(fn),
    drained: () =>
      closed || out.writableLength < 256 * 1024
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = () => {
              out.off('drain', done);
              ctx.res.off('close', done);
              resolve();
            };
            out.once('drain', done);
            ctx.res.once('close', done);
          }),
  };
}
