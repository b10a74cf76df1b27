// Turns thrown errors into answers: JSON {error: {code, message}} with the error's status; never a stack trace.
import type { Middleware } from 'koa';
import { isSlipwayError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';

export function handleErrors(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (e) {
      const known = isSlipwayError(e);
      const httpStatus = (e as { status?: unknown; expose?: unknown }).status;
      const clientHttpError = !known && typeof httpStatus === 'number' && httpStatus >= 400 && httpStatus < 500;
      const status = known ? e.status : clientHttpError ? httpStatus : 500;
      const code = known ? e.code : clientHttpError ? 'INVALID_INPUT' : 'INTERNAL';
      const message = known || clientHttpError ? (e as Error).message : 'internal error (see the server log)';
      if (status >= 500) log.error('request failed', { method: ctx.method, path: ctx.path, error: e });
      ctx.status = status;
      ctx.body = { error: { code, message } };
    }
  };
}
