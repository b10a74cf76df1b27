// Claude Code sessions from the app page: open one, its terminal page (the terminal itself speaks over the WebSocket
// of claude-terminal-socket.ts), Push, Pull and Close. Only the person who opened a session may use it.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Principal } from '../../auth/authenticate-token.js';
import type { ClaudeSessions } from '../../pipeline/claude-sessions/claude-sessions.js';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { ConflictError } from '../../shared/errors.js';
import { existingAppName } from '../existing-app-name.js';
import { actorOf } from '../route-guard.js';
import { seeOther } from '../ui/form.js';
import type { PageRenderer } from '../ui/page-renderer.js';

export function uiSessionsRoutes(pipeline: Pipeline, pages: PageRenderer, sessions: ClaudeSessions | undefined): Router {
  const router = new Router({ prefix: '/apps/:name/sessions' });
  const { store } = pipeline.read;
  const appName = (ctx: Context): string => existingAppName(store, ctx);
  const principal = (ctx: Context): Principal => ctx.state.principal as Principal;
  const use = (): ClaudeSessions => {
    if (!sessions) throw new ConflictError('Claude Code sessions are not available on this server');
    return sessions;
  };
  const mine = (ctx: Context) => use().get(String(ctx.params.id), appName(ctx), principal(ctx).personId);

  router.post('/', async (ctx) => {
    const name = appName(ctx);
    const p = principal(ctx);
    const person = store.people.get(p.personId);
    const owner = { personId: p.personId, name: p.name, email: person?.email ?? `${p.personId}@people.slipway.local` };
    const session = await use().open(name, owner, actorOf(ctx));
    seeOther(ctx, `/apps/${name}/sessions/${session.id}`);
  });

  router.get('/:id', async (ctx) => {
    const session = mine(ctx);
    await pages.render(ctx, 'pages/session.njk', {
      title: `${session.app}: Claude Code session`,
      tab: 'overview',
      app: { name: session.app },
      session,
      socketPath: `/apps/${session.app}/sessions/${session.id}/terminal`,
    });
    // xterm.js sizes and colours the terminal with <style> elements it writes (their text changes with the window,
    // so no hash can list them): inline styles are allowed on this page alone; scripts stay 'self' only.
    ctx.set('Content-Security-Policy', ctx.response.get('Content-Security-Policy').replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"));
  });

  router.post('/:id/push', async (ctx) => {
    const session = mine(ctx);
    await use().push(session.id, actorOf(ctx));
    seeOther(ctx, `/apps/${session.app}/sessions/${session.id}`);
  });

  router.post('/:id/pull', async (ctx) => {
    const session = mine(ctx);
    await use().pull(session.id);
    seeOther(ctx, `/apps/${session.app}/sessions/${session.id}`);
  });

  router.post('/:id/close', async (ctx) => {
    const session = mine(ctx);
    await use().close(session.id, actorOf(ctx));
    seeOther(ctx, `/apps/${session.app}#sessions`);
  });

  return router;
}
