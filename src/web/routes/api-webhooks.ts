// JSON API of outbound webhooks: global ones (`/api/webhooks`, admin only) and an app's
// (`/api/apps/:name/webhooks`): list, create (the secret is in this answer only), remove, the deliveries with
// their answers, and redelivering one by hand. allowPrivate (reaching private or loopback addresses) is an
// admin's to set.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Principal } from '../../auth/authenticate-token.js';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { ForbiddenError, InvalidInputError } from '../../shared/errors.js';
import { deliveryAnswer, webhookAnswer } from '../api-records.js';
import { existingAppName } from '../existing-app-name.js';

const isAdmin = (ctx: Context) => (ctx.state.principal as Principal | undefined)?.grant.admin === true;

export function apiWebhooksRoutes(pipeline: Pipeline): Router[] {
  const { webhooks, read } = pipeline;
  const body = (ctx: Context) => (ctx.request.body ?? {}) as Record<string, unknown>;
  const limitOf = (ctx: Context): number => {
    const raw = ctx.query.limit;
    if (raw === undefined) return 50;
    const n = Number(raw);
    if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n < 1 || n > 200) throw new InvalidInputError('limit: expected a whole number from 1 to 200');
    return n;
  };

  /** The same routes for both scopes; `scope` says which hooks the path may name (an app's, or the global ones). */
  const routes = (router: Router, scope: (ctx: Context) => string | null) => {
    router.get('/', (ctx) => {
      ctx.body = { webhooks: webhooks.list(scope(ctx)).map(webhookAnswer) };
    });
    router.post('/', async (ctx) => {
      const app = scope(ctx);
      const { url, events, allowPrivate } = body(ctx);
      if (allowPrivate !== undefined && typeof allowPrivate !== 'boolean') throw new InvalidInputError('allowPrivate: expected true or false');
      if (allowPrivate && !isAdmin(ctx)) throw new ForbiddenError('only an admin may let a webhook reach private addresses');
      const principal = ctx.state.principal as Principal;
      const made = await webhooks.create({ app, url, events, allowPrivate: allowPrivate === true, by: principal.name });
      ctx.status = 201;
      ctx.body = { webhook: webhookAnswer(made.hook), secret: made.secret };
    });
    router.get('/:id', (ctx) => {
      ctx.body = { webhook: webhookAnswer(webhooks.get(scope(ctx), String(ctx.params.id))) };
    });
    router.delete('/:id', (ctx) => {
      webhooks.remove(scope(ctx), String(ctx.params.id));
      ctx.status = 204;
    });
    router.get('/:id/deliveries', (ctx) => {
      ctx.body = { deliveries: webhooks.deliveries(scope(ctx), String(ctx.params.id), limitOf(ctx)).map(deliveryAnswer) };
    });
    router.post('/:id/deliveries/:delivery/redeliver', (ctx) => {
      const app = scope(ctx);
      const id = String(ctx.params.id);
      const again = webhooks.redeliver(app, id, String(ctx.params.delivery));
      ctx.status = 201;
      ctx.body = { delivery: deliveryAnswer({ ...again, attemptLog: [] }) };
    });
    return router;
  };

  const global = routes(new Router({ prefix: '/api/webhooks' }), (ctx) => {
    if (!isAdmin(ctx)) throw new ForbiddenError('global webhooks need an admin token');
    return null;
  });
  const perApp = routes(new Router({ prefix: '/api/apps/:name/webhooks' }), (ctx) => existingAppName(read.store, ctx));
  return [global, perApp];
}
