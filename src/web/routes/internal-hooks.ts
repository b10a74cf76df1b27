// Loopback endpoint for `slipway hook`: the git hooks' shims reach the server here with the internal secret.
// The answer is NDJSON: {"line": …} for each line the pusher sees, then {"exit": N}.
import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { bodyParser } from '@koa/bodyparser';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { parseHookInput } from '../../pipeline/receive-hooks.js';
import { UnauthorizedError, messageOf } from '../../shared/errors.js';
import { safeEqual } from '../../shared/ids.js';
import { redact } from '../../shared/redact.js';

export function internalHookRoutes(pipeline: Pipeline, hookSecret: string): Router {
  const router = new Router({ prefix: '/internal/hooks' });

  // The secret is checked from the headers, before a byte of the body is read.
  const checkSecret: Middleware = (ctx, next) => {
    if (!safeEqual(ctx.get('x-slipway-hook-secret'), hookSecret)) throw new UnauthorizedError('unknown hook secret');
    return next();
  };
  router.post('/:hook', checkSecret, bodyParser({ enableTypes: ['json'], jsonLimit: '1mb' }), async (ctx) => {
    const hook = ctx.params.hook;
    const input = parseHookInput(ctx.request.body);
    const out = new PassThrough();
    ctx.status = 200;
    ctx.type = 'application/x-ndjson';
    ctx.body = out;
    ctx.req.socket.setNoDelay(true);
    const say = (line: string) => out.write(`${JSON.stringify({ line: redact(line) })}\n`);
    const finish = (exit: number) => out.end(`${JSON.stringify({ exit })}\n`);
    // Run after the headers go out, so lines stream to the pusher as they come.
    setImmediate(() => {
      void (async () => {
        try {
          if (hook === 'pre-receive') finish((await pipeline.preReceive(input, say)) ? 0 : 1);
          else if (hook === 'post-receive') {
            await pipeline.postReceive(input, say);
            finish(0);
          } else {
            say(`unknown hook ${hook}`);
            finish(1);
          }
        } catch (e) {
          say(`error: ${messageOf(e)}`);
          finish(1);
        }
      })();
    });
  });

  return router;
}
