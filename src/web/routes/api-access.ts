// JSON API of protected previews: an app's access setting (`GET/PUT /api/apps/:name/access`) and its share links
// (made with an expiry, listed, revoked). A link's URL carries its token and is in the creating answer only.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Principal } from '../../auth/authenticate-token.js';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import type { ShareLinkView } from '../../pipeline/app-access.js';
import { existingAppName } from '../existing-app-name.js';

export const shareLinkAnswer = (l: ShareLinkView) => ({
  id: l.id,
  environment: l.environment,
  state: l.state,
  createdBy: l.createdBy,
  createdAt: l.createdAt,
  expiresAt: l.expiresAt,
  revokedAt: l.revokedAt,
});

export function apiAccessRoutes(pipeline: Pipeline): Router {
  const router = new Router({ prefix: '/api/apps/:name' });
  const { access, read } = pipeline;
  const app = (ctx: Context): string => existingAppName(read.store, ctx);
  const by = (ctx: Context) => (ctx.state.principal as Principal).name;
  const body = (ctx: Context) => (ctx.request.body ?? {}) as Record<string, unknown>;

  router.get('/access', (ctx) => {
    ctx.body = { access: access.settings(app(ctx)), runtime: read.config.runtime };
  });
  router.put('/access', (ctx) => {
    ctx.body = { access: access.update(app(ctx), ctx.request.body, by(ctx)), runtime: read.config.runtime };
  });
  router.get('/share-links', (ctx) => {
    ctx.body = { shareLinks: access.shareLinks.list(app(ctx)).map(shareLinkAnswer) };
  });
  router.post('/share-links', (ctx) => {
    const { environment, expiresIn } = body(ctx);
    const made = access.shareLinks.create(app(ctx), environment, expiresIn, by(ctx));
    ctx.status = 201;
    ctx.body = { shareLink: shareLinkAnswer(made.link), url: made.url };
  });
  router.delete('/share-links/:id', (ctx) => {
    access.shareLinks.revoke(app(ctx), String(ctx.params.id), by(ctx));
    ctx.status = 204;
  });
  return router;
}
