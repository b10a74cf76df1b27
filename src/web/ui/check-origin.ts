// Cross-site request forgery guard of the UI: an unsafe request (POST, PUT, PATCH, DELETE) must come from a
// page of this server at its public URL. Browsers send Origin on such requests (and Sec-Fetch-Site); a request
// with neither, or from any other origin, is refused. Together with the SameSite=Lax cookie this needs no token
// in forms.
import type { Middleware } from 'koa';
import { ForbiddenError } from '../../shared/errors.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const REFUSED = 'this request came from another site, so it was refused; use the form on this site';

/** `publicUrls`: the configured public URL(s); only their origins count as ours. */
export function checkOrigin(publicUrls: readonly string[]): Middleware {
  const ours = new Set(publicUrls.map((u) => new URL(u).origin));
  return async (ctx, next) => {
    if (SAFE.has(ctx.method)) return next();
    const origin = ctx.get('origin');
    const site = ctx.get('sec-fetch-site');
    // Never the request's own Host: a page served from a name that resolves to this server (DNS rebinding, a
    // stray alias) addresses it by that name, and its Origin matches that Host.
    const addressed = `${ctx.protocol}://${ctx.host}`;
    const sameOrigin = origin ? ours.has(origin) : site === 'same-origin' && ours.has(addressed);
    if (!sameOrigin) throw new ForbiddenError(REFUSED);
    if (site && site !== 'same-origin' && site !== 'none') throw new ForbiddenError(REFUSED);
    await next();
  };
}
