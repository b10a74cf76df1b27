// Signing in to the UI with a token or a one-time sign-in link, and signing out. Every attempt is recorded in
// the audit log, failed ones too (src/pipeline/create-pipeline.ts).
import Router from '@koa/router';
import type { Context } from 'koa';
import type { SessionClaim } from '../../auth/authenticate-session.js';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { field, localPath, seeOther } from '../ui/form.js';
import type { PageRenderer } from '../ui/page-renderer.js';
import { principalOf, setSessionClaim } from '../ui/ui-session.js';

export function uiAuthRoutes(pipeline: Pipeline, pages: PageRenderer): Router {
  const router = new Router();

  const startSession = async (ctx: Context, claim: SessionClaim, next: string) => {
    // A fresh session on every sign-in: nothing from before (or planted by someone else) carries over.
    await (ctx.session as unknown as { regenerate?: () => Promise<void> } | null)?.regenerate?.();
    setSessionClaim(ctx, claim);
    pipeline.log.info('signed in to the UI', { name: claim.name });
    seeOther(ctx, next);
  };

  router.get('/sign-in', async (ctx) => {
    const next = localPath(ctx.query.next);
    if (principalOf(pipeline, ctx)) return seeOther(ctx, next);
    await pages.render(ctx, 'pages/sign-in.njk', { title: 'Sign in', next, error: null, link: null });
  });

  router.post('/sign-in', async (ctx) => {
    const next = localPath(field(ctx, 'next'));
    const claim = pipeline.signIn(field(ctx, 'token'), ctx.ip);
    if (!claim) {
      ctx.status = 401;
      await pages.render(ctx, 'pages/sign-in.njk', {
        title: 'Sign in',
        next,
        link: null,
        error:
          'That token is not valid (or it expired). Use a token of your own ("slipway token create", or the settings page), or the admin token printed on the first start.',
      });
      ctx.status = 401;
      return;
    }
    await startSession(ctx, claim, next);
  });

  // A link is used by the POST of its page, not by the GET: a mail client or chat that fetches the link to show
  // a preview would otherwise use it up.
  router.get('/sign-in/link/:secret', async (ctx) => {
    ctx.set('Referrer-Policy', 'no-referrer');
    await pages.render(ctx, 'pages/sign-in.njk', { title: 'Sign in', next: '/', error: null, link: String(ctx.params.secret) });
  });

  router.post('/sign-in/link', async (ctx) => {
    const claim = pipeline.signInWithLink(field(ctx, 'link'), ctx.ip);
    if (!claim) {
      ctx.status = 401;
      await pages.render(ctx, 'pages/sign-in.njk', {
        title: 'Sign in',
        next: '/',
        link: null,
        error: 'That sign-in link is not valid: it was used already, or it expired. Ask an admin for a new one, or sign in with a token.',
      });
      ctx.status = 401;
      return;
    }
    await startSession(ctx, claim, '/');
  });

  router.post('/sign-out', (ctx) => {
    setSessionClaim(ctx, null);
    seeOther(ctx, '/sign-in');
  });

  return router;
}
