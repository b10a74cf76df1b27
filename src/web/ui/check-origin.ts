// Cross-site request forgery guard of the UI: an unsafe request (POST, PUT, PATCH, DELETE) must come from a
// page of this server. Browsers send Origin on such requests (and Sec-Fetch-Site); a request with neither, or
// from another origin, is refused. Together with the SameSite=Lax cookie this needs no token in forms.
import type { Middleware } from 'koa';
import { ForbiddenError } from '../../shared/errors.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function checkOrigin(publicUrl: string): Middleware {
  const ours = new URL(publicUrl).origin;
  return async (ctx, next) => {
    if (SAFE.has(ctx.method)) return next();
    const origin = ctx.get('origin');
    const site = ctx.get('sec-fetch-site');
    // Our origin as this request addressed it (the Host header, which a page cannot forge). Not ctx.origin:
    // in Koa 3 that is the Origin header itself.
    const addressed = `${ctx.protocol}://${ctx.host}`;
    const sameOrigin = origin ? origin === ours || origin === addressed : site === 'same-origin';
    if (!sameOrigin) throw new ForbiddenError('this request came from another site, so it was refused; use the form on this site');
    if (site && site !== 'same-origin' && site !== 'none')
      throw new ForbiddenError('this request came from another site, so it was refused; use the form on this site');
    await next();
  };
}
