// Who the presented token stands for: what `slipway login` checks a token against before saving it.
import Router from '@koa/router';
import type { Principal } from '../../auth/authenticate-token.js';
import type { Pipeline } from '../../pipeline/create-pipeline.js';

export function apiWhoamiRoutes(pipeline: Pipeline): Router {
  const router = new Router({ prefix: '/api' });
  router.get('/whoami', (ctx) => {
    const principal = ctx.state.principal as Principal;
    // `role`: what `slipway whoami` prints in a word; the roles per app and the token's limits are in /api/me.
    ctx.body = { name: principal.name, role: principal.grant.admin ? 'admin' : 'member', publicUrl: pipeline.read.config.publicUrl };
  });
  return router;
}
