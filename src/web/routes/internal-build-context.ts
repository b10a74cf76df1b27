// The commit tree a build pod fetches (BuildKit in a Kubernetes Job): `GET /internal/build-context/ID` with the
// one-time bearer token of that build (src/build/build-contexts.ts). Answers a tar of the tree, once.
import Router from '@koa/router';
import type { BuildContexts } from '../../pipeline/build-contexts.js';
import { UnauthorizedError } from '../../shared/errors.js';

export function internalBuildContextRoutes(contexts: BuildContexts): Router {
  const router = new Router({ prefix: '/internal/build-context' });
  router.get('/:id', async (ctx) => {
    const token = /^Bearer (\S+)$/.exec(ctx.get('authorization'))?.[1] ?? '';
    const opened = token ? contexts.open(ctx.params.id ?? '', token) : null;
    // One answer for unknown, used, expired and wrong: nothing to learn by trying.
    if (!opened) throw new UnauthorizedError('no build context for that id and token (each is fetched once, within minutes)');
    const tar = await opened;
    ctx.status = 200;
    ctx.type = 'application/x-tar';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = tar;
  });
  return router;
}
