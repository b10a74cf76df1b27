// The history viewer: commits of main and prod with markers, a commit's page with its diff and build log, and
// comparing any two commits or releases.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { InvalidInputError } from '../../shared/errors.js';
import type { PageRenderer } from '../ui/page-renderer.js';
import { commitPageView } from '../view-models/commit-page-view.js';
import { compareView } from '../view-models/compare-view.js';
import { fileDiffHref, parseLayout } from '../view-models/diff-view.js';
import { fileDiffView } from '../view-models/file-diff-view.js';
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

  // One file of a diff, for files whose patch a large diff's page leaves out.
  router.get('/compare/file', async (ctx) => {
    const name = appName(ctx);
    const layout = parseLayout(ctx.query.view);
    const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
    const from = text(ctx.query.from);
    const to = text(ctx.query.to);
    const path = typeof ctx.query.path === 'string' ? ctx.query.path : '';
    const view = await fileDiffView(read, name, { from, to, path }, layout);
    await pages.render(ctx, 'pages/file-diff.njk', {
      title: `${name}: ${view.path}`,
      tab: 'history',
      app: { name },
      layout,
      view,
      selfUrl: fileDiffHref({ app: name, from: from || null, to }, view.path, 'unified'),
    });
  });

  return router;
}
