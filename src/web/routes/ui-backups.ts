// "Back up now" on the about page: makes an archive in the backups folder and goes back to the list.
import Router from '@koa/router';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { seeOther } from '../ui/form.js';
import type { PageRenderer } from '../ui/page-renderer.js';
import { actorOf } from '../route-guard.js';

export function uiBackupsRoutes(pipeline: Pipeline, _pages: PageRenderer): Router {
  const router = new Router();
  router.post('/backups', async (ctx) => {
    const made = await pipeline.backups.create('ui');
    pipeline.audit(actorOf(ctx), 'backup', { target: made.name });
    seeOther(ctx, `/about?backup=${encodeURIComponent(made.name)}#backups`);
  });
  return router;
}
