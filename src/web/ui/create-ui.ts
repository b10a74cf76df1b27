// The web UI as one middleware: static files, then (for every path that is not the API, git or the hook
// endpoint) error pages, the cross-site check, form bodies, sign-in, and the pages behind it.
import { join } from 'node:path';
import type { Middleware } from 'koa';
import { bodyParser } from '@koa/bodyparser';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { uiAppRoutes } from '../routes/ui-app.js';
import { uiAuthRoutes } from '../routes/ui-auth.js';
import { uiBackupsRoutes } from '../routes/ui-backups.js';
import { uiHistoryRoutes } from '../routes/ui-history.js';
import { uiHomeRoutes } from '../routes/ui-home.js';
import { uiReleaseRoutes } from '../routes/ui-release.js';
import { uiSettingsRoutes } from '../routes/ui-settings.js';
import { uiWebhooksRoutes } from '../routes/ui-webhooks.js';
import { uiPeopleRoutes } from '../routes/ui-people.js';
import { guardRoutes, type GuardedRoute, type RouteRule } from '../route-guard.js';
import { uiAccessRoutes } from '../routes/ui-access.js';
import { uiSessionsRoutes } from '../routes/ui-sessions.js';
import type { ClaudeSessions } from '../../pipeline/claude-sessions/claude-sessions.js';
import { refuseOtherMethods } from '../middleware/refuse-other-methods.js';
import { checkOrigin } from './check-origin.js';
import { createRenderer } from './create-renderer.js';
import { handleUiErrors } from './handle-ui-errors.js';
import { canFor, createPageRenderer, type PageRenderer } from './page-renderer.js';
import type { Principal } from '../../auth/authenticate-token.js';
import { createStaticAssets } from './serve-static.js';
import { requireSignIn } from './ui-session.js';

export interface Ui {
  /** Mounted before the API (static files need no session). */
  assets: Middleware;
  /** Mounted after the API: every UI path. */
  pages: Middleware[];
  renderer: PageRenderer;
  /** Every UI route with its authorisation rule. */
  routes: GuardedRoute[];
}

/** Paths that belong to the API, git or the hooks, never to the UI. */
export function isUiPath(path: string): boolean {
  return !/^\/(api|git|internal)(\/|$)/.test(path) && path !== '/healthz';
}

/** `strictViews`: templates fail on a variable their model lacks (on in tests; off in production, where it renders empty). */
export function createUi(
  pipeline: Pipeline,
  options: { strictViews?: boolean; rules: Readonly<Record<string, RouteRule>>; claudeSessions?: ClaudeSessions | undefined },
): Ui {
  const { config } = pipeline.read;
  const { log } = pipeline;
  const assets = createStaticAssets(config.projectRoot);
  const renderer = createPageRenderer({
    render: createRenderer(join(config.projectRoot, 'views'), { strict: options.strictViews ?? false }),
    assets,
    platform: pipeline.platform,
    site: { publicUrl: config.publicUrl, domain: config.domain, runtime: config.runtime },
  });
  const only =
    (m: Middleware): Middleware =>
    (ctx, next) =>
      isUiPath(ctx.path) ? m(ctx, next) : next();
  const routers = [
    (p: Pipeline, r: PageRenderer) => uiHomeRoutes(p, r, options.claudeSessions),
    (p: Pipeline, r: PageRenderer) => uiAppRoutes(p, r, options.claudeSessions),
    uiReleaseRoutes,
    uiSettingsRoutes,
    uiHistoryRoutes,
    uiBackupsRoutes,
    uiWebhooksRoutes,
    uiPeopleRoutes,
    uiAccessRoutes,
  ].map((r) => r(pipeline, renderer));
  routers.push(uiSessionsRoutes(pipeline, renderer, options.claudeSessions));
  const auth = uiAuthRoutes(pipeline, renderer);
  const routes = guardRoutes([auth, ...routers], options.rules);
  const notFound: Middleware = async (ctx) => {
    ctx.status = 404;
    await renderer.render(ctx, 'pages/error.njk', {
      title: 'Not found',
      status: 404,
      code: 'NOT_FOUND',
      message: `There is no page at ${ctx.path}.`,
      action: false,
      back: { href: '/', label: 'Back to your apps' },
      signIn: null,
    });
    ctx.status = 404;
  };
  const signInBody = bodyParser({ enableTypes: ['form'], formLimit: '8kb' });
  return {
    assets: assets.middleware,
    renderer,
    routes,
    pages: [
      // The way back from an error page names an app only when the person may see it.
      handleUiErrors(
        renderer,
        log.child('ui'),
        (name, ctx) => pipeline.read.store.apps.get(name) !== undefined && canFor(ctx.state.principal as Principal | undefined)('app:view', name),
      ),
      checkOrigin(config.trustedOrigins),
      // A form body is read only once the sender is known: signed in, or signing in (whose body is a token).
      ((ctx, next) => (ctx.path === '/sign-in' || ctx.path === '/sign-in/link' ? signInBody(ctx, next) : next())) as Middleware,
      auth.routes() as unknown as Middleware,
      requireSignIn(pipeline),
      bodyParser({ enableTypes: ['form'], formLimit: '256kb' }),
      ...routers.map((r) => r.routes() as unknown as Middleware),
      refuseOtherMethods([auth, ...routers]),
      notFound,
    ].map(only),
  };
}
