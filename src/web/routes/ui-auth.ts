// Signing in to the UI with a token, and signing out.
import Router from '@koa/router';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { field, localPath, seeOther } from '../ui/form.js';
import type { PageRenderer } from '../ui/page-renderer.js';
import { principalOf, setSessionClaim } from '../ui/ui-session.js';

export function uiAuthRoutes(pipeline: Pipeline, pages: PageRenderer): Router {
  const router = new Router();

  router.get('/sign-in', async (ctx) => {
    const next = localPath(ctx.query.next);
    if (principalOf(pipeline, ctx)) return seeOther(ctx, next);
    await pages.render(ctx, 'pages/sign-in.njk', { title: 'Sign in', next, error: null });
  });

  router.post('/sign-in', async (ctx) => {
    const next = localPath(field(ctx, 'next'));
    const claim = pipeline.signIn(field(ctx, 'token'));
    if (!claim) {
      ctx.status = 401;
      await pages.render(ctx, 'pages/sign-in.njk', {
        title: 'Sign in',
        next,
        error: 'That token is not valid. Use a token made by "slipway token create", or the admin token printed on the first start.',
      });
      ctx.status = 401;
      return;
    }
    // A fresh session on every sign-in: nothing from before (or planted by someone else) carries over.
    await (ctx.session as unknown as { regenerate?: () => Promise<void> } | null)?.regenerate?.();
    setSessionClaim(ctx, claim);
    pipeline.log.info('signed in to the UI', { name: claim.name });
    seeOther(ctx, next);
  });

  router.post('/sign-out', (ctx) => {
    setSessionClaim(ctx, null);
    seeOther(ctx, '/sign-in');
  });

  return router;
}
