// JSON API of backups (admin only; an archive holds every secret): make one now, list those in the backups folder
// with the last attempt and the schedule, download one by name.
import { createReadStream } from 'node:fs';
import Router from '@koa/router';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { backupDownloadUrl, backupStatusAnswer } from '../backup-answers.js';
import { actorOf } from '../route-guard.js';

export function apiBackupsRoutes(pipeline: Pipeline): Router {
  const router = new Router({ prefix: '/api/backups' });
  const { backups } = pipeline;
  const { schedule, keep } = pipeline.read.config.backup;

  router.get('/', async (ctx) => {
    const list = await backups.list();
    ctx.body = {
      backups: list.map((b) => ({ ...b, downloadUrl: backupDownloadUrl(b.name) })),
      ...backupStatusAnswer(backups.status()),
      schedule: schedule ?? null,
      nextRun: backups.nextRun(),
      keep,
    };
  });
  router.post('/', async (ctx) => {
    const made = await backups.create('api');
    pipeline.audit(actorOf(ctx), 'backup', { target: made.name });
    ctx.status = 201;
    ctx.body = {
      backup: {
        name: made.name,
        size: made.size,
        createdAt: made.createdAt,
        durationMs: made.durationMs,
        apps: made.apps,
        downloadUrl: backupDownloadUrl(made.name),
      },
    };
  });
  router.get('/:file', async (ctx) => {
    const name = String(ctx.params.file);
    const found = await backups.find(name);
    ctx.set('Cache-Control', 'no-store');
    ctx.attachment(name);
    ctx.type = 'application/gzip';
    ctx.length = found.size;
    ctx.body = createReadStream(found.path);
  });
  return router;
}
