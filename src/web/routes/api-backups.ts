// JSON API of backups (admin only; an archive holds every secret): make one now, list those in the backups folder
// with the last attempt and the schedule, download one by name.
import { createReadStream } from 'node:fs';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Principal } from '../../auth/authenticate-token.js';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { ForbiddenError } from '../../shared/errors.js';
import { backupDownloadUrl, backupStatusAnswer } from '../backup-answers.js';

function requireAdmin(ctx: Context): void {
  if ((ctx.state.principal as Principal | undefined)?.role !== 'admin') throw new ForbiddenError('backups need an admin token');
}

export function apiBackupsRoutes(pipeline: Pipeline): Router {
  const router = new Router({ prefix: '/api/backups' });
  const { backups } = pipeline;
  const { schedule, keep } = pipeline.read.config.backup;

  router.get('/', async (ctx) => {
    requireAdmin(ctx);
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
    requireAdmin(ctx);
    const made = await backups.create('api');
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
    requireAdmin(ctx);
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
