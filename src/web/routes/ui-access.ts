// The access redirect of protected previews: an app's host sends a person without an access cookie here
// (`/access?host=HOST&return=PATH`); behind the sign-in (which comes back here), this hands them to the host with a
// one-time code, which Slipway's proxy there turns into a cookie of that host alone.
import Router from '@koa/router';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { UnauthorizedError } from '../../shared/errors.js';
import type { PageRenderer } from '../ui/page-renderer.js';
import { sessionClaim } from '../ui/ui-session.js';

export function uiAccessRoutes(pipeline: Pipeline, _pages: PageRenderer): Router {
  const router = new Router();
  router.get('/access', (ctx) => {
    const claim = sessionClaim(ctx);
    if (!claim) throw new UnauthorizedError('sign in first');
    const url = pipeline.access.handOff(claim, ctx.query.host, ctx.query.return);
    // The code is in the address: not cached, and not sent on as a Referer.
    ctx.set('cache-control', 'no-store');
    ctx.set('referrer-policy', 'no-referrer');
    ctx.status = 302;
    ctx.redirect(url);
  });
  return router;
}
