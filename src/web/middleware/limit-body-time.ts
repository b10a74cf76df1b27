// A request body must arrive within a time limit: a client that sends headers and then trickles (or stalls) its
// body is cut off instead of holding a connection and a handler forever. git's requests (a push may take as long
// as its pack does) and what is proxied to apps (theirs to decide) are left alone.
import type { Middleware } from 'koa';

export function limitBodyTime(ms: number, exempt: (path: string) => boolean): Middleware {
  return async (ctx, next) => {
    const req = ctx.req;
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || req.readableEnded || exempt(ctx.path)) return next();
    const timer = setTimeout(() => {
      if (!req.readableEnded) req.socket.destroy();
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    req.once('end', clear);
    req.once('close', clear);
    ctx.res.once('finish', clear);
    return next();
  };
}
