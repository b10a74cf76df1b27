// The UI's home (a card per app, updating live), the new-app form with its name check, the about page, and the
// live stream that tells open pages which app changed.
import Router from '@koa/router';
import type { Config } from '../../config/load-config.js';
import type { ClaudeSessions } from '../../pipeline/claude-sessions/claude-sessions.js';
import type { Context } from 'koa';
import { explainAppName } from '../../domain/app-name.js';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { isSlipwayError, NotFoundError } from '../../shared/errors.js';
import { openSse } from '../sse.js';
import { field, seeOther } from '../ui/form.js';
import type { PageRenderer } from '../ui/page-renderer.js';
import { diskUseView } from '../view-models/disk-use-view.js';
import { appCardView } from '../view-models/app-card-view.js';
import { backupsView } from '../view-models/backups-view.js';
import { warmReleasesView } from '../view-models/warm-releases-view.js';
import { actorOf, principalOf } from '../route-guard.js';
import { seesApp } from '../../domain/authorize.js';

const FORM_ERRORS = new Set(['INVALID_APP_NAME', 'UNKNOWN_TEMPLATE', 'APP_EXISTS', 'INVALID_INPUT']);

export function uiHomeRoutes(pipeline: Pipeline, pages: PageRenderer, claudeSessions?: ClaudeSessions): Router {
  const router = new Router();
  const { read } = pipeline;
  const { store, config, templates } = read;

  router.get('/', async (ctx) => {
    const { grant } = principalOf(ctx)!;
    const apps = store.apps
      .list()
      .filter((a) => seesApp(grant, a.name))
      .map((a) => appCardView(read, templates, a));
    await pages.render(ctx, 'pages/home.njk', { title: 'Your apps', apps });
  });

  router.get('/apps/:name/fragments/card', async (ctx) => {
    const app = store.apps.get(String(ctx.params.name));
    if (!app) throw new NotFoundError(`no app named ${ctx.params.name}`);
    await pages.fragment(ctx, 'fragments/app-card.njk', { app: appCardView(read, templates, app) });
  });

  const newAppForm = async (ctx: Context, values: { name: string; template: string; description: string; ask: boolean }, error: string | null) => {
    await pages.render(ctx, 'pages/new-app.njk', {
      title: 'New app',
      templates: templates.map((t) => ({ name: t.name, title: t.title, description: t.description, kind: t.kind })),
      values,
      error,
      canGenerate: Boolean(config.codegen.apiKey),
    });
  };

  router.get('/new-app', async (ctx) => {
    await newAppForm(ctx, { name: '', template: String(ctx.query.template ?? templates[0]?.name ?? ''), description: '', ask: true }, null);
  });

  // The same rules as the API (explainAppName), asked as the person types.
  router.get('/new-app/check-name', (ctx) => {
    const name = String(ctx.query.name ?? '');
    const why = explainAppName(name, config) ?? (store.apps.get(name) ? `an app named ${name} already exists` : null);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { name, ok: why === null, message: why ?? `${name} is free: its preview will be at ${name}-preview.${config.domain}` };
  });

  router.post('/new-app', async (ctx) => {
    const values = {
      name: field(ctx, 'name').trim(),
      template: field(ctx, 'template'),
      description: field(ctx, 'description').trim(),
      ask: field(ctx, 'ask') === 'on',
    };
    let created;
    try {
      created = await pipeline.createApp({ name: values.name, template: values.template, description: values.description }, actorOf(ctx));
    } catch (e) {
      if (!isSlipwayError(e) || !FORM_ERRORS.has(e.code)) throw e;
      ctx.status = e.status;
      await newAppForm(ctx, values, e.message);
      ctx.status = e.status;
      return;
    }
    let query = '';
    // A description, with Claude set up and asked for, is the first request.
    if (values.description && values.ask && config.codegen.apiKey) {
      const generation = pipeline.generate(created.name, values.description, actorOf(ctx));
      query = `?generation=${generation.id}`;
    }
    seeOther(ctx, `/apps/${created.name}${query}`);
  });

  router.get('/about', async (ctx) => {
    const base = new URL(config.publicUrl);
    const port = base.port ? `:${base.port}` : '';
    await pages.render(ctx, 'pages/about.njk', {
      title: 'How Slipway works',
      urls: {
        ui: config.publicUrl,
        git: `${config.publicUrl}/git/APP.git`,
        api: `${config.publicUrl}/api`,
        environments: config.environments.map((e) => ({
          title: e.title,
          ref: e.ref.replace(/^refs\/heads\//, ''),
          url: `${base.protocol}//${e.host.replaceAll('{domain}', config.domain)}${port}/`,
          releaseTags: e.releaseTags ?? null,
        })),
      },
      runtime: config.runtime,
      templates: templates.map((t) => ({ title: t.title, description: t.description })),
      checks: await pipeline.checkInstallation(),
      backups: await backupsView(pipeline, typeof ctx.query.backup === 'string' ? ctx.query.backup : null),
      diskUse: diskUseView((await pipeline.diskUse()).total),
      retention: config.retention,
      // Only the apps the caller sees; Docker down is said on the page, and the rest of it still shows.
      warm: warmReleasesView(
        config.environments,
        await pipeline.warmReleases().then(
          (list) => list?.filter((w) => seesApp(principalOf(ctx)!.grant, w.app)) ?? null,
          (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
        ),
      ),
      apps: store.apps.list().filter((a) => seesApp(principalOf(ctx)!.grant, a.name)).length,
      claudeSessions: await aboutClaudeSessions(config, claudeSessions),
    });
  });

  // Which app changed (a build or a deployment moved): open pages fetch the parts they show again.
  router.get('/live', (ctx) => {
    const only = typeof ctx.query.app === 'string' && ctx.query.app ? ctx.query.app : '*';
    const { grant } = principalOf(ctx)!;
    // An app the caller cannot see is no app: its changes are not theirs to hear of.
    if (only !== '*' && (!store.apps.get(only) || !seesApp(grant, only))) throw new NotFoundError(`no app named ${only}`);
    const sse = openSse(ctx);
    const stop = read.events.subscribe(only, (e) => {
      if (!seesApp(grant, e.app)) return;
      if (e.type === 'build' || e.type === 'deployment' || e.type === 'job-run') sse.send('app', { app: e.app, what: e.type });
    });
    sse.onClose(stop);
  });

  return router;
}

/** The about page's lines on Claude Code sessions: whether they open here, their limits, and a missing memory limit said. */
async function aboutClaudeSessions(config: Config, sessions: ClaudeSessions | undefined) {
  const ready = sessions?.available() ?? { ok: false as const, reason: 'Claude Code sessions are not available on this server' };
  const memory = sessions && ready.ok ? await sessions.memoryLimit() : null;
  return {
    available: ready.ok,
    reason: ready.ok ? null : ready.reason,
    max: config.claudeSessions.max,
    memoryMb: Math.round(config.claudeSessions.memoryBytes / 1024 / 1024),
    idleMinutes: Math.round(config.claudeSessions.idleMs / 60_000),
    memory: memory ? { on: memory.state === 'on', detail: memory.detail, fix: memory.state === 'off' ? memory.fix : null } : null,
  };
}
