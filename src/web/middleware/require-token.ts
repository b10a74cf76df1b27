// Authentication of the JSON API: a bearer token, or (for reading only: GET and HEAD) the UI's signed-in
// session, so that the UI's pages can follow the API's live streams with EventSource, which sends no headers.
import type { Context, Middleware } from 'koa';
import { UnauthorizedError } from '../../shared/errors.js';
import type { Principal } from '../../auth/authenticate-token.js';

export function requireToken(
  authenticate: (authorization: string | undefined, address: string) => Principal | null,
  fromSession?: (ctx: Context) => Principal | null,
): Middleware {
  return async (ctx, next) => {
    const authorization = ctx.get('authorization') || undefined;
    const reading = ctx.method === 'GET' || ctx.method === 'HEAD';
    const principal = authenticate(authorization, ctx.ip) ?? (!authorization && reading && fromSession ? fromSession(ctx) : null);
    if (!principal) {
      ctx.set('WWW-Authenticate', 'Bearer realm="slipway"');
      throw new UnauthorizedError('a valid token is required: send "Authorization: Bearer TOKEN"');
    }
    ctx.state.principal = principal;
    await next();
  };
}
