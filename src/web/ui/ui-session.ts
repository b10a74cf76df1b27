// Browser sessions for the UI: a signed, HttpOnly, SameSite=Lax cookie holding who signed in (koa-session,
// the cookie as store). `principalOf` checks it on each request, so a revoked token ends its sessions.
import type Koa from 'koa';
import type { Context, Middleware } from 'koa';
import session from 'koa-session';
import type { Principal } from '../../auth/authenticate-token.js';
import type { SessionClaim } from '../../auth/authenticate-session.js';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { UnauthorizedError } from '../../shared/errors.js';

export const SESSION_COOKIE = 'slipway.session';
const WEEK_MS = 7 * 24 * 3600 * 1000;

/**
 * `secure`: when Slipway serves TLS itself (`followConnection`), the cookie is `Secure` on every HTTPS answer and a
 * host not certified yet can still sign in over plain HTTP; behind a proxy that ends TLS, an https public URL
 * makes it always `Secure`.
 */
export function createSessionMiddleware(app: Koa, keys: string[], publicUrl: string, followConnection = false): Middleware {
  app.keys = keys;
  return session(
    {
      key: SESSION_COOKIE,
      maxAge: WEEK_MS,
      httpOnly: true,
      signed: true,
      sameSite: 'lax',
      ...(followConnection ? {} : { secure: publicUrl.startsWith('https://') }),
      renew: true,
      overwrite: true,
    },
    app,
  ) as unknown as Middleware;
}

export function sessionClaim(ctx: Context): SessionClaim | undefined {
  return (ctx.session as unknown as { claim?: SessionClaim } | null)?.claim;
}

export function setSessionClaim(ctx: Context, claim: SessionClaim | null): void {
  const s = ctx.session as unknown as { claim?: SessionClaim | null } | null;
  if (!s) return;
  if (claim) s.claim = claim;
  else ctx.session = null;
}

export function principalOf(pipeline: Pick<Pipeline, 'checkSession'>, ctx: Context): Principal | null {
  const claim = sessionClaim(ctx);
  return claim ? pipeline.checkSession(claim) : null;
}

/**
 * Pages need a session: a GET without one goes to the sign-in page (and back afterwards); anything else
 * gets 401, as do live streams and fragments, which a redirect would only confuse.
 */
export function requireSignIn(pipeline: Pick<Pipeline, 'checkSession'>): Middleware {
  return async (ctx, next) => {
    const principal = principalOf(pipeline, ctx);
    if (!principal) {
      const quiet = ctx.get('accept').includes('text/event-stream') || ctx.get('x-slipway-fragment') !== '';
      if ((ctx.method === 'GET' || ctx.method === 'HEAD') && !quiet) {
        ctx.status = 303;
        ctx.redirect(`/sign-in?next=${encodeURIComponent(ctx.originalUrl)}`);
        return;
      }
      throw new UnauthorizedError('sign in first: this action needs a signed-in session');
    }
    ctx.state.principal = principal;
    await next();
  };
}
