// The webhooks pages: an app's (`/apps/:name/webhooks`) and the global ones (`/webhooks`, admins): make a hook
// (the answer shows its secret once, so it is a page, not a redirect), remove one, redeliver a delivery.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Principal } from '../../auth/authenticate-token.js';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { ForbiddenError } from '../../shared/errors.js';
import type { WebhookRecord } from '../../store/webhooks-store.js';
import { existingAppName } from '../existing-app-name.js';
import { field, seeOther } from '../ui/form.js';
import type { PageRenderer } from '../ui/page-renderer.js';
import { webhooksView } from '../view-models/webhooks-view.js';

const isAdmin = (ctx: Context) => (ctx.state.principal as Principal | undefined)?.grant.admin === true;

/** Every value of a form field given several times (checkboxes). */
function fields(ctx: Context, name: string): string[] {
  const body = (ctx.request as { body?: unknown }).body;
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

export function uiWebhooksRoutes(pipeline: Pipeline, pages: PageRenderer): Router {
  const router = new Router();
  const { read, webhooks } = pipeline;

  const page = async (ctx: Context, app: string | null, created?: { hook: WebhookRecord; secret: string }) => {
    await pages.render(ctx, 'pages/webhooks.njk', {
      title: app ? `${app}: webhooks` : 'Webhooks',
      tab: 'webhooks',
      app: app ? { name: app } : null,
      webhooks: webhooksView(webhooks, app, {
        canAllowPrivate: isAdmin(ctx),
        allowPrivateEverywhere: read.config.webhooks.allowPrivate,
        ...(created ? { created } : {}),
      }),
      removed: typeof ctx.query.removed === 'string' ? ctx.query.removed : null,
      redelivered: typeof ctx.query.redelivered === 'string' ? ctx.query.redelivered : null,
    });
  };

  const create = async (ctx: Context, app: string | null) => {
    const allowPrivate = field(ctx, 'allowPrivate') === 'on';
    if (allowPrivate && !isAdmin(ctx)) throw new ForbiddenError('only an admin may let a webhook reach private addresses');
    const events = fields(ctx, 'events');
    const made = await webhooks.create({
      app,
      url: field(ctx, 'url'),
      events: events.length > 0 ? events : [],
      allowPrivate,
      by: (ctx.state.principal as Principal).name,
    });
    ctx.status = 201;
    await page(ctx, app, made);
    ctx.status = 201;
  };

  /** The routes of one scope under `prefix`; `scope` checks who may see it and names the app (null: global). */
  const scoped = (prefix: string, scope: (ctx: Context) => string | null) => {
    router.get(prefix, (ctx) => page(ctx, scope(ctx)));
    router.post(prefix, (ctx) => create(ctx, scope(ctx)));
    router.post(`${prefix}/:id/remove`, (ctx) => {
      const app = scope(ctx);
      webhooks.remove(app, String(ctx.params.id));
      seeOther(ctx, `${app ? `/apps/${app}/webhooks` : '/webhooks'}?removed=${encodeURIComponent(String(ctx.params.id))}`);
    });
    router.post(`${prefix}/:id/deliveries/:delivery/redeliver`, (ctx) => {
      const app = scope(ctx);
      const again = webhooks.redeliver(app, String(ctx.params.id), String(ctx.params.delivery));
      seeOther(ctx, `${app ? `/apps/${app}/webhooks` : '/webhooks'}?redelivered=${encodeURIComponent(again.id)}#hook-${String(ctx.params.id)}`);
    });
  };
  scoped('/apps/:name/webhooks', (ctx) => existingAppName(read.store, ctx));
  scoped('/webhooks', (ctx) => {
    if (!isAdmin(ctx)) throw new ForbiddenError('global webhooks are for admins');
    return null;
  });
  return router;
}
