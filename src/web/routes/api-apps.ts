// JSON API for apps: list, create, show (with its custom domains, branch previews and what it takes on disk), delete.
import Router from '@koa/router';
import { toAppView } from '../../domain/app-view.js';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { domainAnswer } from '../api-records.js';
import { existingAppName } from '../existing-app-name.js';
import { branchPreviewViews } from '../view-models/branch-preview-view.js';
import { actorOf, principalOf } from '../route-guard.js';
import { seesApp } from '../../domain/authorize.js';

export function apiAppsRoutes(pipeline: Pipeline): Router {
  const router = new Router({ prefix: '/api/apps' });
  const { read } = pipeline;

  router.get('/', (ctx) => {
    // Only the apps the caller has a role on (all of them for an admin): the others do not exist for them.
    const { grant } = principalOf(ctx)!;
    ctx.body = {
      apps: read.store.apps
        .list()
        .filter((a) => seesApp(grant, a.name))
        .map((a) => toAppView(read.config, a)),
    };
  });

  router.post('/', async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const app = await pipeline.createApp({ name: body.name, template: body.template, description: body.description }, actorOf(ctx));
    ctx.status = 201;
    ctx.body = { app: { ...toAppView(read.config, app), commit: app.commit } };
  });

  router.get('/:name', async (ctx) => {
    const name = existingAppName(read.store, ctx);
    const domains = read.store.domains.listForApp(name).map((d) => domainAnswer(d, read.certificateState));
    const diskUse = (await pipeline.diskUse([name])).apps.get(name);
    const branchPreviews = (await branchPreviewViews(read, name)).map((b) => ({
      branch: b.branch,
      environment: b.environment,
      state: b.state,
      status: b.status,
      commit: b.commit,
      appliedCommit: b.appliedCommit,
      url: b.url,
      lastPush: b.lastPush,
      reason: b.reason,
    }));
    ctx.body = { app: { ...toAppView(read.config, read.store.apps.get(name)!), domains, diskUse, branchPreviews } };
  });

  router.delete('/:name', async (ctx) => {
    await pipeline.deleteApp(existingAppName(read.store, ctx), actorOf(ctx));
    ctx.status = 204;
  });

  return router;
}
