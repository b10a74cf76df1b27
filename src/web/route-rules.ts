// The authorisation rule of every API and UI route: which action it is (src/domain/authorize.ts) and how to find
// the app it concerns. src/web/route-guard.ts refuses to start with a route that has no rule here, and
// test/integration/web/role-table.test.ts asks every route as every role.
import type { Context } from 'koa';
import type { Action } from '../domain/authorize.js';
import { productionEnvironment } from '../domain/environments.js';
import { field } from './ui/form.js';
import type { PipelineReads } from '../pipeline/pipeline-reads.js';
import type { RouteRule } from './route-guard.js';

export function routeRules(read: PipelineReads): Record<string, RouteRule> {
  const { store, config } = read;
  const param = (ctx: Context) => String(ctx.params.name ?? '');
  const id = (ctx: Context) => String(ctx.params.id ?? '');
  const build = (ctx: Context) => store.builds.get(id(ctx))?.app;
  const deployment = (ctx: Context) => store.deployments.get(id(ctx))?.app;
  const jobRun = (ctx: Context) => store.jobRuns.get(id(ctx))?.app;
  const generation = (ctx: Context) => store.generations.get(id(ctx))?.app;
  // Production's secrets are the releaser's; every other environment's the developer's.
  const secretsOf = (environment: string): Action =>
    environment === productionEnvironment(config.environments)?.name ? 'app:production-secrets' : 'app:preview-secrets';
  const apiSecrets = (ctx: Context) => secretsOf(String(ctx.params.environment ?? ''));
  const uiSecrets = (ctx: Context) => secretsOf(field(ctx, 'environment'));
  const onApp = (action: Action): RouteRule => ({ action, app: param });
  const view = onApp('app:view');
  const anyone: RouteRule = { action: 'self:read' };
  const open: RouteRule = { public: true };

  return {
    // API: apps
    'GET /api/apps': anyone, // the list holds only the caller's apps
    'POST /api/apps': { action: 'apps:create' },
    'GET /api/apps/:name': view,
    'DELETE /api/apps/:name': onApp('app:delete'),
    // API: the pipeline
    'GET /api/apps/:name/environments': view,
    'GET /api/apps/:name/builds': view,
    'GET /api/apps/:name/deployments': view,
    'POST /api/apps/:name/publish': onApp('app:release'),
    'POST /api/apps/:name/rollback': onApp('app:release'),
    'GET /api/apps/:name/release-plan': view,
    'GET /api/builds/:id': { action: 'app:view', app: build },
    'GET /api/builds/:id/log': { action: 'app:view', app: build },
    'GET /api/deployments/:id/log': { action: 'app:view', app: deployment },
    'GET /api/apps/:name/secrets/:environment': view, // names only
    'PUT /api/apps/:name/secrets/:environment/:key': { action: apiSecrets, app: param },
    'DELETE /api/apps/:name/secrets/:environment/:key': { action: apiSecrets, app: param },
    'GET /api/apps/:name/job-runs': view,
    'POST /api/apps/:name/jobs/run': onApp('app:run-job'),
    'GET /api/job-runs/:id/log': { action: 'app:view', app: jobRun },
    // API: generations
    'POST /api/apps/:name/generations': onApp('app:generate'),
    'GET /api/apps/:name/generations': view,
    'GET /api/generations/:id': { action: 'app:view', app: generation },
    'POST /api/generations/:id/revert': { action: 'app:generate', app: generation },
    'GET /api/generations/:id/events': { action: 'app:view', app: generation },
    // API: custom domains
    'GET /api/apps/:name/domains': view,
    'POST /api/apps/:name/domains': onApp('app:domains'),
    'DELETE /api/apps/:name/domains': onApp('app:domains'),
    'DELETE /api/apps/:name/domains/:domain': onApp('app:domains'),
    // API: backups
    'GET /api/backups': { action: 'backups' },
    'POST /api/backups': { action: 'backups' },
    'GET /api/backups/:file': { action: 'backups' },
    // API: who am I, tokens, people, audit
    'GET /api/me': anyone,
    'GET /api/tokens': anyone,
    'POST /api/tokens': { action: 'self:tokens' },
    'DELETE /api/tokens/:token': { action: 'self:tokens' },
    'GET /api/people': { action: 'people:read' },
    'POST /api/people': { action: 'people:manage' },
    'GET /api/people/:person': { action: 'people:read' },
    'DELETE /api/people/:person': { action: 'people:manage' },
    'PUT /api/people/:person/admin': { action: 'people:manage' },
    'PUT /api/people/:person/roles/:app': { action: 'people:manage' },
    'DELETE /api/people/:person/roles/:app': { action: 'people:manage' },
    'GET /api/people/:person/tokens': { action: 'people:read' },
    'POST /api/people/:person/tokens': { action: 'people:manage' },
    'DELETE /api/people/:person/tokens/:token': { action: 'people:manage' },
    'POST /api/people/:person/sign-in-link': { action: 'people:manage' },
    'GET /api/audit': { action: 'audit:read' },
    // API: who am I (the remote CLI's login check), releases
    'GET /api/whoami': anyone,
    'GET /api/apps/:name/releases': view,
    // API: protected previews
    'GET /api/apps/:name/access': view,
    'PUT /api/apps/:name/access': onApp('app:access'),
    'GET /api/apps/:name/share-links': onApp('app:share'),
    'POST /api/apps/:name/share-links': onApp('app:share'),
    'DELETE /api/apps/:name/share-links/:id': onApp('app:share'),
    // API: webhooks (an app's: its releasers; global: admins)
    'GET /api/apps/:name/webhooks': onApp('app:webhooks'),
    'POST /api/apps/:name/webhooks': onApp('app:webhooks'),
    'GET /api/apps/:name/webhooks/:id': onApp('app:webhooks'),
    'DELETE /api/apps/:name/webhooks/:id': onApp('app:webhooks'),
    'GET /api/apps/:name/webhooks/:id/deliveries': onApp('app:webhooks'),
    'POST /api/apps/:name/webhooks/:id/deliveries/:delivery/redeliver': onApp('app:webhooks'),
    'GET /api/webhooks': { action: 'webhooks:global' },
    'POST /api/webhooks': { action: 'webhooks:global' },
    'GET /api/webhooks/:id': { action: 'webhooks:global' },
    'DELETE /api/webhooks/:id': { action: 'webhooks:global' },
    'GET /api/webhooks/:id/deliveries': { action: 'webhooks:global' },
    'POST /api/webhooks/:id/deliveries/:delivery/redeliver': { action: 'webhooks:global' },

    // UI: signing in
    'GET /sign-in': open,
    'POST /sign-in': open,
    'POST /sign-out': open,
    'GET /sign-in/link/:secret': open,
    'POST /sign-in/link': open,
    // UI: home, new app, about, live updates
    'GET /': anyone, // the list holds only the caller's apps
    'GET /apps/:name/fragments/card': view,
    'GET /new-app': { action: 'apps:create' },
    'GET /new-app/check-name': { action: 'apps:create' },
    'POST /new-app': { action: 'apps:create' },
    'GET /about': anyone,
    'GET /live': anyone, // only the caller's apps' events; ?app= checks that app
    // UI: the app page
    'GET /apps/:name': view,
    'GET /apps/:name/fragments/environments': view,
    'GET /apps/:name/fragments/activity': view,
    'GET /apps/:name/fragments/generations': view,
    'POST /apps/:name/generations': onApp('app:generate'),
    'POST /apps/:name/generations/:id/revert': onApp('app:generate'),
    // Claude Code sessions: a developer's; only the person who opened one may use it (ui-sessions.ts); the
    // terminal's WebSocket asks the same action (claude-terminal-socket.ts).
    'POST /apps/:name/sessions': onApp('app:generate'),
    'GET /apps/:name/sessions/:id': onApp('app:generate'),
    'POST /apps/:name/sessions/:id/push': onApp('app:generate'),
    'POST /apps/:name/sessions/:id/pull': onApp('app:generate'),
    'POST /apps/:name/sessions/:id/close': onApp('app:generate'),
    'GET /apps/:name/builds/:id': view,
    'GET /apps/:name/deployments/:id': view,
    'GET /apps/:name/job-runs/:id': view,
    'POST /apps/:name/jobs/run': onApp('app:run-job'),
    'GET /apps/:name/logs': view,
    'GET /apps/:name/logs/:environment/stream': view,
    // UI: publish and rollback
    'GET /apps/:name/publish': onApp('app:release'),
    'POST /apps/:name/publish': onApp('app:release'),
    'GET /apps/:name/rollback': onApp('app:release'),
    'POST /apps/:name/rollback': onApp('app:release'),
    // UI: the app's settings
    'GET /apps/:name/settings': view,
    'POST /apps/:name/secrets': { action: uiSecrets, app: param },
    'POST /apps/:name/secrets/remove': { action: uiSecrets, app: param },
    'POST /apps/:name/domains': onApp('app:domains'),
    'POST /apps/:name/domains/remove': onApp('app:domains'),
    'POST /apps/:name/delete': onApp('app:delete'),
    // UI: history
    'GET /apps/:name/history': view,
    'GET /apps/:name/commits/:sha': view,
    'GET /apps/:name/compare': view,
    'GET /apps/:name/compare/file': view,
    // UI: backups, people and tokens, audit
    'POST /backups': { action: 'backups' },
    'GET /settings': anyone,
    'POST /settings/tokens': { action: 'self:tokens' },
    'POST /settings/tokens/revoke': { action: 'self:tokens' },
    'POST /settings/people': { action: 'people:manage' },
    'POST /settings/people/remove': { action: 'people:manage' },
    'POST /settings/people/roles': { action: 'people:manage' },
    'POST /settings/people/sign-in-link': { action: 'people:manage' },
    'POST /settings/people/tokens/revoke': { action: 'people:manage' },
    'GET /audit': { action: 'audit:read' },
    // UI: protected previews (the hand-off to an app host checks mayViewApp for that host's app itself)
    'GET /access': anyone,
    'POST /apps/:name/access': onApp('app:access'),
    'POST /apps/:name/share-links': onApp('app:share'),
    'POST /apps/:name/share-links/revoke': onApp('app:share'),
    // UI: webhooks
    'GET /apps/:name/webhooks': onApp('app:webhooks'),
    'POST /apps/:name/webhooks': onApp('app:webhooks'),
    'POST /apps/:name/webhooks/:id/remove': onApp('app:webhooks'),
    'POST /apps/:name/webhooks/:id/deliveries/:delivery/redeliver': onApp('app:webhooks'),
    'GET /webhooks': { action: 'webhooks:global' },
    'POST /webhooks': { action: 'webhooks:global' },
    'POST /webhooks/:id/remove': { action: 'webhooks:global' },
    'POST /webhooks/:id/deliveries/:delivery/redeliver': { action: 'webhooks:global' },
  };
}
