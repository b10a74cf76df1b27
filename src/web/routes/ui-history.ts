// The history viewer: commits of main and prod with markers, a commit's page with its diff and build log, and
// comparing any two commits or releases.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { InvalidInputError } from '../../shared/errors.js';
import type { PageRenderer } from '../ui/page-renderer.js';
import { commitPageView } from '../view-models/commit-page-view.js';
import { compareView } from '../view-models/compare-view.js';
import { parseLayout } from '../view-models/diff-view.js';
import { historyView } from '../view-models/history-view.js';
import { existingAppName } from '../existing-app-name.js';

export function uiHistoryRoutes(pipeline: Pipeline, pages: PageRenderer): Router {
  const router = new Router({ prefix: '/apps/:name' });
  const { read } = pipeline;
  const appName = (ctx: Context): string => existingAppName(read.store, ctx);

  router.get('/history', async (ctx) => {
    const name = appName(ctx);
    const raw = String(ctx.query.page ?? '1');
    if (!/^[1-9][0-9]{0,6}$/.test(raw)) throw new InvalidInputError('page is a number from 1');
    await pages.render(ctx, 'pages/history.njk', {
      title: `${name}: history`,
      tab: 'history',
      app: { name },
      history: await historyView(read, name, Number(raw)),
    });
  });

  router.get('/commits/:sha', async (ctx) => {
    const name = appName(ctx);
    const layout = parseLayout(ctx.query.view);
    const view = await commitPageView(read, name, String(ctx.params.sha), layout);
    await pages.render(ctx, 'pages/commit.njk', {
      title: `${name}: ${view.commit.subject}`,
      tab: 'history',
      app: { name },
      layout,
      view,
      selfUrl: `/apps/${name}/commits/${view.commit.sha}`,
    });
  });

  router.get('/compare', async (ctx) => {
    const name = appName(ctx);
    const layout = parseLayout(ctx.query.view);
    const from = typeof ctx.query.from === 'string' ? ctx.query.from.trim() : '';
    const to = typeof ctx.query.to === 'string' ? ctx.query.to.trim() : '';
    const view = await compareView(read, name, from, to, layout);
    await pages.render(ctx, 'pages/compare.njk', {
      title: `${name}: compare`,
      tab: 'history',
      app: { name },
      layout,
      view,
      selfUrl: `/apps/${name}/compare?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    });
  });

  return router;
}
