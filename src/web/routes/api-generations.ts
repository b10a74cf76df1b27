// JSON API of generations: describe a change, follow it live (SSE, replayed from the start), list the
// conversation, revert a generation.
import Router from '@koa/router';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { NotFoundError } from '../../shared/errors.js';
import { existingAppName } from '../existing-app-name.js';
import { openSse } from '../sse.js';
import { actorOf } from '../route-guard.js';

export function apiGenerationsRoutes(pipeline: Pipeline): Router {
  const router = new Router({ prefix: '/api' });
  const { store, events } = pipeline.read;

  router.post('/apps/:name/generations', (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const generation = pipeline.generate(existingAppName(store, ctx), body.prompt, actorOf(ctx));
    ctx.status = 202;
    ctx.body = { generation, events: `/api/generations/${generation.id}/events` };
  });

  router.get('/apps/:name/generations', (ctx) => {
    ctx.body = { generations: store.generations.list(existingAppName(store, ctx)) };
  });

  router.get('/generations/:id', (ctx) => {
    const generation = store.generations.get(String(ctx.params.id));
    if (!generation) throw new NotFoundError(`no generation ${ctx.params.id}`);
    ctx.body = { generation };
  });

  router.post('/generations/:id/revert', async (ctx) => {
    ctx.status = 201;
    ctx.body = { generation: await pipeline.revertGeneration(String(ctx.params.id), actorOf(ctx)) };
  });

  // Every event since the start (or since Last-Event-ID), then live ones, ending after `end`.
  router.get('/generations/:id/events', (ctx) => {
    const id = String(ctx.params.id);
    const generation = store.generations.get(id);
    if (!generation) throw new NotFoundError(`no generation ${id}`);
    const sse = openSse(ctx);
    let last = Number(ctx.get('last-event-id')) || 0;
    let ended = false;
    const pump = () => {
      for (const e of store.generations.events(id, last)) {
        sse.send(e.event, e.data, String(e.seq));
        last = e.seq;
        if (e.event === 'end') ended = true;
      }
      if (ended) sse.close();
    };
    const stop = events.subscribe(generation.app, (e) => {
      if (e.type === 'generation' && e.generationId === id) pump();
    });
    sse.onClose(stop);
    pump();
  });

  return router;
}
