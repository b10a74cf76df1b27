// JSON endpoints take JSON: a request that carries a body of another type (a form, text, none named) is a 415,
// rather than being read as an empty object. Requests without a body pass.
import type { Middleware } from 'koa';
import { UnsupportedMediaTypeError } from '../../shared/errors.js';

export function requireJsonBody(): Middleware {
  return async (ctx, next) => {
    // type-is: null when there is no body, false when the body's type is not JSON. An empty body
    // (`content-length: 0`, as fetch sends for a bare POST) is no body either.
    if (ctx.request.length !== 0 && ctx.request.is('application/json', '+json') === false)
      throw new UnsupportedMediaTypeError(
        `this endpoint takes a JSON body (Content-Type: application/json), not ${ctx.get('content-type') || 'a body of no type'}`,
      );
    await next();
  };
}
