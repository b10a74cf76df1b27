// The access redirect of protected previews: an app's host sends a person without an access cookie here
// (`/access?host=HOST&return=PATH`); behind the sign-in (which comes back here), this hands them to the host with a
// one-time code, which Slipway's proxy there turns into a cookie of that host alone.
import Router from '@koa/router';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { UnauthorizedError } from '../../shared/errors.js';
import type { PageRenderer } from '../ui/page-renderer.js';
import { sessionClaim } from '../ui/ui-session.js';

export function uiAccessRoutes(pipeline: Pipeline, pages: PageRenderer): Router {
  const router = new Router();
  // A page that moves on by itself rather than a 302: coming from the sign-in form, a redirect to another host is
  // blocked by the form's CSP (form-action 'self' holds for the whole redirect chain).
  router.get('/access', async (ctx) => {
    const claim = sessionClaim(ctx);
    if (!claim) throw new UnauthorizedError('sign in first');
    const continueUrl = pipeline.access.handOff(claim, ctx.query.host, ctx.query.return);
    await pages.render(ctx, 'pages/access.njk', { title: 'Opening', host: new URL(continueUrl).host, continueUrl });
    // The code is in the page: not cached (the renderer's no-store), and never sent on as a Referer.
    ctx.set('referrer-policy', 'no-referrer');
  });
  return router;
}
