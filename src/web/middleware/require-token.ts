// Bearer-token authentication for the JSON API.
import type { Middleware } from 'koa';
import { UnauthorizedError } from '../../shared/errors.js';
import type { Principal } from '../../pipeline/authenticate-token.js';

export function requireToken(authenticate: (authorization: string | undefined) => Principal | null): Middleware {
  return async (ctx, next) => {
    const principal = authenticate(ctx.get('authorization') || undefined);
    if (!principal) {
      ctx.set('WWW-Authenticate', 'Bearer realm="slipway"');
      throw new UnauthorizedError('a valid token is required: send "Authorization: Bearer TOKEN"');
    }
    ctx.state.principal = principal;
    await next();
  };
}
