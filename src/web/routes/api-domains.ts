// JSON API of an app's custom domains: list (with each one's certificate), add, remove.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { domainAnswer } from '../api-records.js';
import { existingAppName } from '../existing-app-name.js';
import { actorOf } from '../route-guard.js';

export function apiDomainsRoutes(pipeline: Pipeline): Router {
  const router = new Router({ prefix: '/api/apps/:name/domains' });
  const { read } = pipeline;
  const app = (ctx: Context): string => existingAppName(read.store, ctx);
  const body = (ctx: Context) => (ctx.request.body ?? {}) as Record<string, unknown>;

  router.get('/', (ctx) => {
    ctx.body = { domains: read.store.domains.listForApp(app(ctx)).map((d) => domainAnswer(d, read.certificateState)) };
  });
  router.post('/', (ctx) => {
    const { environment, domain } = body(ctx);
    const result = pipeline.addDomain(app(ctx), environment, domain, actorOf(ctx));
    ctx.status = result.added ? 201 : 200;
    ctx.body = { domain: domainAnswer(result.domain, read.certificateState) };
  });
  // Both forms: the domain in the path, or (for clients that prefer not to put it in a URL) in a JSON body.
  router.delete('/', (ctx) => {
    pipeline.removeDomain(app(ctx), body(ctx).domain, actorOf(ctx));
    ctx.status = 204;
  });
  router.delete('/:domain', (ctx) => {
    pipeline.removeDomain(app(ctx), String(ctx.params.domain), actorOf(ctx));
    ctx.status = 204;
  });
  return router;
}
