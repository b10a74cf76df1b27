// The Koa app: app traffic, health, git over HTTP, the internal hook endpoint, the JSON API and the web UI, in
// that order.
import Koa, { type Middleware } from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { createGitHttpBridge } from '../git/git-http-bridge.js';
import { reposDir, repoPath } from '../git/repo-path.js';
import type { Pipeline } from '../pipeline/create-pipeline.js';
import { NotFoundError } from '../shared/errors.js';
import { redact } from '../shared/redact.js';
import { existsSync } from 'node:fs';
import { handleErrors } from './middleware/handle-errors.js';
import { limitBodyTime } from './middleware/limit-body-time.js';
import { createStreamLimits } from './stream-limits.js';
import { refuseOtherMethods } from './middleware/refuse-other-methods.js';
import { requireJsonBody } from './middleware/require-json-body.js';
import { requireToken } from './middleware/require-token.js';
import { apiAppsRoutes } from './routes/api-apps.js';
import { apiPipelineRoutes } from './routes/api-pipeline.js';
import { apiGenerationsRoutes } from './routes/api-generations.js';
import { apiDomainsRoutes } from './routes/api-domains.js';
import { apiBackupsRoutes } from './routes/api-backups.js';
import { apiWebhooksRoutes } from './routes/api-webhooks.js';
import { apiWhoamiRoutes } from './routes/api-whoami.js';
import { apiAccessRoutes } from './routes/api-access.js';
import { internalHookRoutes } from './routes/internal-hooks.js';
import { internalBuildContextRoutes } from './routes/internal-build-context.js';
import { metricsEndpoint } from './routes/metrics-endpoint.js';
import { mcpRoutes } from './routes/mcp.js';
import type { BuildContexts } from '../pipeline/build-contexts.js';
import { createUi } from './ui/create-ui.js';
import { loadSessionKeys } from './ui/session-keys.js';
import { createSessionMiddleware, principalOf } from './ui/ui-session.js';
import { apiPeopleRoutes } from './routes/api-people.js';
import { guardRoutes, unusedRules, type GuardedRoute } from './route-guard.js';
import { routeRules } from './route-rules.js';
import { authorize } from '../domain/authorize.js';
import { pushActionFor } from '../domain/push-action.js';
import type { ClaudeSessions } from '../pipeline/claude-sessions/claude-sessions.js';
import { createTerminalSocket, type TerminalSocket } from './claude-terminal-socket.js';

export interface WebAppOptions {
  pipeline: Pipeline;
  hookSecret: string;
  /** Environment the git hooks need to call back (set once the server listens). */
  hookEnv: () => Record<string, string>;
  /** Commit trees build pods fetch (BuildKit in Kubernetes), once each, with their one-time token. */
  buildContexts?: BuildContexts;
  /** Middleware placed before everything else that reads the body (the app-traffic proxy). */
  before?: Middleware[];
  /** Interactive Claude Code sessions (their pages answer that they are not available without). */
  claudeSessions?: ClaudeSessions;
  /** Templates fail on a variable their view model lacks (nunjucks throwOnUndefined): on in tests. */
  strictViews?: boolean;
}

const notFound: Middleware = async (ctx) => {
  throw new NotFoundError(`nothing at ${ctx.method} ${ctx.path}`);
};

/** The Koa app, with every API and UI route and the rule that guards it (the role table test asks each). */
export type WebApp = Koa & {
  readonly routes: readonly GuardedRoute[];
  /** The WebSocket of Claude Code sessions' terminals (with sessions): the server hands it upgrades on the UI's host. */
  readonly terminals: TerminalSocket | undefined;
};

export function createWebApp(options: WebAppOptions): WebApp {
  const { pipeline } = options;
  const { config } = pipeline.read;
  const { log } = pipeline;
  const app = new Koa();
  app.on('error', (e: NodeJS.ErrnoException) => {
    // A client went away (mid-answer, or mid-body: the parser's EOF error).
    if (['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'HPE_INVALID_EOF_STATE'].includes(e.code ?? '')) return;
    log.error('unhandled request error', { error: e });
  });

  app.use(handleErrors(log.child('http')));
  for (const m of options.before ?? []) app.use(m);
  // From here on, no app traffic: bodies must arrive in time (git's excepted), and streams are counted per token.
  app.use(limitBodyTime(config.limits.bodyTimeoutMs, (path) => path.startsWith('/git/')));
  const streamLimits = createStreamLimits(config.limits.maxStreamsPerToken);
  app.use((ctx, next) => {
    ctx.state.streamLimits = streamLimits;
    return next();
  });
  app.use(async (ctx, next) => {
    if (ctx.path !== '/healthz') return next();
    ctx.body = { status: 'ok' };
  });
  // Raw git traffic: before any body parser, which would consume the pack stream.
  app.use(
    createGitHttpBridge({
      reposDir: reposDir(config.dataDir),
      authenticate: (a, address) => {
        const p = pipeline.authenticateBasic(a, address);
        return p ? { name: p.name, tokenId: p.tokenId, grant: p.grant } : null;
      },
      repoExists: (name) => pipeline.read.store.apps.get(name) !== undefined && existsSync(repoPath(config.dataDir, name)),
      // Cloning needs viewer; pushing needs developer (what each ref may do is the pre-receive check's).
      authorize: (user, app, service) => authorize(user.grant, service === 'git-receive-pack' ? 'git:push' : 'git:fetch', app),
      hookEnv: options.hookEnv,
      acceptsPush: (name, updates, user) =>
        // Only pushes whose every ref the pusher may move skip the hook; the hook says why the others are refused.
        updates.every((u) => authorize(user.grant, pushActionFor(u, config.environments), name).allowed) && pipeline.acceptsPush(name, updates, user.tokenId),
      followPush: (push, say) => pipeline.postReceive(push, (line) => say(redact(line))),
      maxPushBytes: config.maxPushBytes,
      path: config.path,
      log: log.child('git'),
    }),
  );
  const hooks = internalHookRoutes(pipeline, options.hookSecret);
  app.use(hooks.routes());
  if (options.buildContexts) app.use(internalBuildContextRoutes(options.buildContexts).routes());
  app.use(metricsEndpoint(pipeline));
  // MCP for agents: bearer token, its raw body read by the SDK's transport (so before any body parser).
  app.use(mcpRoutes(pipeline));

  const rules = routeRules(pipeline.read);
  const ui = createUi(pipeline, { strictViews: options.strictViews ?? false, rules, claudeSessions: options.claudeSessions });
  app.use(ui.assets);
  // Sessions are read lazily (only routes that look at ctx.session parse the cookie).
  const sessionCookie = createSessionMiddleware(app, loadSessionKeys(config.dataDir), config.publicUrl, config.https.mode !== 'off');
  app.use(sessionCookie);
  const terminals = options.claudeSessions ? createTerminalSocket({ app, pipeline, sessions: options.claudeSessions, session: sessionCookie }) : undefined;

  const onlyApi =
    (m: Middleware): Middleware =>
    (ctx, next) =>
      ctx.path.startsWith('/api/') ? m(ctx, next) : next();
  app.use(
    onlyApi(
      requireToken(
        (a, address) => pipeline.authenticateBearer(a, address),
        (ctx) => principalOf(pipeline, ctx),
      ),
    ),
  );
  app.use(onlyApi(requireJsonBody()));
  // DELETE too: `DELETE /api/apps/:name/domains` may name the domain in its body.
  app.use(onlyApi(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'] })));
  const apiRouters = [
    apiAppsRoutes(pipeline),
    apiPipelineRoutes(pipeline),
    apiGenerationsRoutes(pipeline),
    apiDomainsRoutes(pipeline),
    apiBackupsRoutes(pipeline),
    ...apiWebhooksRoutes(pipeline),
    apiWhoamiRoutes(pipeline),
    apiPeopleRoutes(pipeline),
    apiAccessRoutes(pipeline),
  ];
  // Every route gets its rule (fail closed: a route without one, or a rule without a route, stops the app here).
  const routes = [...guardRoutes(apiRouters, rules), ...ui.routes];
  const stale = unusedRules(routes, rules);
  if (stale.length > 0) throw new Error(`authorisation rules for routes that do not exist: ${stale.join(', ')}`);
  for (const router of apiRouters) app.use(router.routes());
  // The API ends here: what no route answered is a 405 or a JSON 404, never one of the UI's pages.
  app.use(onlyApi(refuseOtherMethods(apiRouters)));
  app.use(onlyApi(notFound));

  for (const m of ui.pages) app.use(m);

  app.use(notFound);
  return Object.assign(app, { routes, terminals });
}
