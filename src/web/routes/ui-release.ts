// Publish and rollback from the UI: first the "what will change" view (commits and file diff between what
// production runs and the target), then the action on the commit that view showed.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { isSlipwayError } from '../../shared/errors.js';
import { field, seeOther } from '../ui/form.js';
import type { PageRenderer } from '../ui/page-renderer.js';
import { commitSummaryView } from '../view-models/commit-summary-view.js';
import { parseLayout } from '../view-models/diff-view.js';
import { releasePlanView } from '../view-models/release-plan-view.js';
import { existingAppName } from '../existing-app-name.js';
import { actorOf } from '../route-guard.js';

export function uiReleaseRoutes(pipeline: Pipeline, pages: PageRenderer): Router {
  const router = new Router({ prefix: '/apps/:name' });
  const { read } = pipeline;
  const appName = (ctx: Context): string => existingAppName(read.store, ctx);

  router.get('/publish', async (ctx) => {
    const name = appName(ctx);
    const layout = parseLayout(ctx.query.view);
    const move = await pipeline.releasePlan(name, 'publish');
    await pages.render(ctx, 'pages/release.njk', {
      title: `Publish ${name}`,
      tab: 'overview',
      app: { name },
      action: 'publish',
      layout,
      view: releasePlanView(name, read.store, move, layout),
      choices: null,
      selfUrl: `/apps/${name}/publish`,
    });
  });

  router.post('/publish', async (ctx) => {
    const name = appName(ctx);
    const commit = field(ctx, 'commit');
    // waitMs 0: the page follows the deployment live instead of holding the request open.
    const result = await pipeline.publish(name, { ...(commit ? { commit } : {}), by: actorOf(ctx), waitMs: 0 });
    seeOther(ctx, `/apps/${name}?published=${encodeURIComponent(result.tag ?? result.commit.slice(0, 12))}#environments`);
  });

  router.get('/rollback', async (ctx) => {
    const name = appName(ctx);
    const layout = parseLayout(ctx.query.view);
    const to = typeof ctx.query.to === 'string' && ctx.query.to ? ctx.query.to : undefined;
    const choices = (await pipeline.rollbackChoices(name)).map((c) => ({
      tag: c.tag,
      commit: c.commitInfo ? commitSummaryView(name, c.commitInfo, read.store) : null,
      current: c.current,
      build: c.build,
      imageRemoved: c.imageRemoved,
      href: `/apps/${name}/rollback?to=${encodeURIComponent(c.tag)}`,
    }));
    let view = null;
    let problem: string | null = null;
    try {
      view = releasePlanView(name, read.store, await pipeline.releasePlan(name, 'rollback', to ? { to } : {}), layout);
    } catch (e) {
      // No earlier release yet: the page still lists the releases and says why.
      if (!isSlipwayError(e) || e.status >= 500 || to) throw e;
      problem = e.message;
    }
    await pages.render(ctx, 'pages/release.njk', {
      title: `Roll back ${name}`,
      tab: 'overview',
      app: { name },
      action: 'rollback',
      layout,
      view,
      choices,
      problem,
      selected: to ?? view?.plan.to.tag ?? null,
      selfUrl: `/apps/${name}/rollback${to ? `?to=${encodeURIComponent(to)}` : ''}`,
    });
  });

  router.post('/rollback', async (ctx) => {
    const name = appName(ctx);
    const to = field(ctx, 'to');
    const result = await pipeline.rollback(name, { ...(to ? { to } : {}), by: actorOf(ctx), waitMs: 0 });
    seeOther(ctx, `/apps/${name}?rolledBack=${encodeURIComponent(result.tag ?? result.commit.slice(0, 12))}#environments`);
  });

  return router;
}
