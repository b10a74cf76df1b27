// Turns thrown errors into JSON answers {error: {code, message, requestId?}} through the one mapping
// (src/web/map-error.ts); never a stack trace, and from 500 up never the error's own message.
import type { Middleware } from 'koa';
import type { Logger } from '../../shared/log.js';
import { mapError } from '../map-error.js';

export function handleErrors(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (e) {
      const answer = mapError(e, ctx, log);
      if (ctx.headerSent) return;
      ctx.status = answer.status;
      ctx.set(answer.headers);
      ctx.body = { error: { code: answer.code, message: answer.message, ...(answer.requestId ? { requestId: answer.requestId } : {}) } };
    }
  };
}
