// The app page and what it does: describe a change (then follow its stream), revert a generation, the parts
// that update live, build and deployment logs, and the runtime logs of each environment.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { messageOf, NotFoundError } from '../../shared/errors.js';
import { openSse } from '../sse.js';
import { field, seeOther } from '../ui/form.js';
import type { PageRenderer } from '../ui/page-renderer.js';
import { activityView } from '../view-models/activity-view.js';
import { appPageView } from '../view-models/app-page-view.js';
import { parseTrafficRange, trafficView } from '../view-models/traffic-view.js';
import { environmentPanels } from '../view-models/environment-panel-view.js';
import { branchPreviewViews } from '../view-models/branch-preview-view.js';
import { generationList } from '../view-models/generation-list-view.js';
import { logPageView } from '../view-models/log-page-view.js';
import { existingAppName } from '../existing-app-name.js';
import { actorOf } from '../route-guard.js';
import type { Principal } from '../../auth/authenticate-token.js';
import type { ClaudeSessions } from '../../pipeline/claude-sessions/claude-sessions.js';
import { claudeSessionsView } from '../view-models/claude-sessions-view.js';

export function uiAppRoutes(pipeline: Pipeline, pages: PageRenderer, claudeSessions?: ClaudeSessions): Router {
  const router = new Router({ prefix: '/apps/:name' });
  const { read } = pipeline;
  const { store, config } = read;
  const appName = (ctx: Context): string => existingAppName(store, ctx);

  router.get('/', async (ctx) => {
    const name = appName(ctx);
    const follow = typeof ctx.query.generation === 'string' ? ctx.query.generation : null;
    const view = await appPageView(read, read.templates, name, follow);
    const traffic = trafficView(read, name, parseTrafficRange(ctx.query.range));
    const sessions = await claudeSessionsView(claudeSessions, name, (ctx.state.principal as Principal).personId);
    await pages.render(ctx, 'pages/app.njk', { title: name, tab: 'overview', ...view, traffic, sessions });
  });

  router.get('/fragments/environments', async (ctx) => {
    const name = appName(ctx);
    const [environments, branchPreviews] = await Promise.all([environmentPanels(read, name), branchPreviewViews(read, name)]);
    await pages.fragment(ctx, 'fragments/environments.njk', { app: { name }, environments, branchPreviews, branchPreviewsOn: config.branchPreviews.max > 0 });
  });
  router.get('/fragments/activity', async (ctx) => {
    const name = appName(ctx);
    await pages.fragment(ctx, 'fragments/activity.njk', { app: { name }, activity: await activityView(read, name) });
  });
  router.get('/fragments/generations', async (ctx) => {
    const name = appName(ctx);
    await pages.fragment(ctx, 'fragments/generations.njk', { app: { name }, generations: generationList(read, name) });
  });

  router.post('/generations', (ctx) => {
    const name = appName(ctx);
    const generation = pipeline.generate(name, field(ctx, 'prompt'), actorOf(ctx));
    seeOther(ctx, `/apps/${name}?generation=${generation.id}#describe`);
  });

  router.post('/generations/:id/revert', async (ctx) => {
    const name = appName(ctx);
    const target = store.generations.get(String(ctx.params.id));
    if (!target || target.app !== name) throw new NotFoundError(`no generation ${ctx.params.id} in ${name}`);
    await pipeline.revertGeneration(target.id, actorOf(ctx));
    seeOther(ctx, `/apps/${name}#describe`);
  });

  router.get('/builds/:id', async (ctx) => {
    const name = appName(ctx);
    const build = store.builds.get(String(ctx.params.id));
    if (!build || build.app !== name) throw new NotFoundError(`no build ${ctx.params.id} in ${name}`);
    await pages.render(ctx, 'pages/log.njk', {
      title: `Build ${build.id}`,
      tab: 'overview',
      app: { name },
      log: await logPageView(read, { kind: 'build', record: build }),
    });
  });

  router.get('/deployments/:id', async (ctx) => {
    const name = appName(ctx);
    const d = store.deployments.get(String(ctx.params.id));
    if (!d || d.app !== name) throw new NotFoundError(`no deployment ${ctx.params.id} in ${name}`);
    await pages.render(ctx, 'pages/log.njk', {
      title: `Deployment ${d.id}`,
      tab: 'overview',
      app: { name },
      log: await logPageView(read, { kind: 'deployment', record: d }),
    });
  });

  router.get('/job-runs/:id', async (ctx) => {
    const name = appName(ctx);
    const run = store.jobRuns.get(String(ctx.params.id));
    if (!run || run.app !== name) throw new NotFoundError(`no job run ${ctx.params.id} in ${name}`);
    await pages.render(ctx, 'pages/log.njk', {
      title: `Job run ${run.id}`,
      tab: 'overview',
      app: { name },
      log: await logPageView(read, { kind: 'job-run', record: run }),
    });
  });

  // "Run now": a scheduled job's image once, in the environment asked for; its page follows the log.
  router.post('/jobs/run', async (ctx) => {
    const name = appName(ctx);
    const run = await pipeline.runJob(name, field(ctx, 'environment'), actorOf(ctx));
    seeOther(ctx, `/apps/${name}/job-runs/${run.id}`);
  });

  router.get('/logs', async (ctx) => {
    const name = appName(ctx);
    const wanted = String(ctx.query.environment ?? config.environments[0]?.name ?? '');
    const environment = config.environments.find((e) => e.name === wanted);
    if (!environment) throw new NotFoundError(`no environment named ${wanted}`);
    await pages.render(ctx, 'pages/runtime-logs.njk', {
      title: `${name}: runtime logs`,
      tab: 'logs',
      app: { name },
      environments: config.environments.map((e) => ({
        name: e.name,
        title: e.title,
        href: `/apps/${name}/logs?environment=${e.name}`,
        current: e.name === environment.name,
      })),
      environment: { name: environment.name, title: environment.title },
      streamUrl: `/apps/${name}/logs/${environment.name}/stream`,
    });
  });

  // Recent lines, then live ones, as SSE; the runtime's error (Docker down) ends the stream with its words.
  router.get('/logs/:environment/stream', (ctx) => {
    const name = appName(ctx);
    // Opened first: a stream refused (too many for this token) starts no log follow.
    const sse = openSse(ctx);
    const controller = new AbortController();
    const lines = pipeline.runtimeLogs(name, String(ctx.params.environment), { tail: 200, follow: true }, controller.signal);
    sse.onClose(() => controller.abort());
    void (async () => {
      let n = 0;
      try {
        for await (const line of lines) sse.send('line', { line }, String(++n));
        sse.send('end', { lines: n, message: n === 0 ? 'Nothing runs in this environment, or it has not logged anything yet.' : 'The container stopped.' });
      } catch (e) {
        if (!controller.signal.aborted) sse.send('failure', { message: messageOf(e) });
      } finally {
        sse.close();
      }
    })();
  });

  return router;
}
