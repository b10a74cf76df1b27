// JSON API of the pipeline: environments, publish and rollback, builds and deployments with their logs,
// secrets, and scheduled job runs.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { environmentViews } from '../view-models/environment-views.js';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { buildAnswer, deploymentAnswer, jobRunAnswer, releaseAnswer } from '../api-records.js';
import { serveLog } from '../serve-log.js';
import { removedLogNote } from '../../domain/plan-retention.js';
import { existingAppName } from '../existing-app-name.js';
import { actorOf } from '../route-guard.js';

export function apiPipelineRoutes(pipeline: Pipeline): Router {
  const router = new Router({ prefix: '/api' });
  const { read } = pipeline;
  const { store } = read;
  const removedLog = (r: { logRemovedAt: string | null }) => (r.logRemovedAt ? removedLogNote(r.logRemovedAt, read.config.retention.keepLogs) : undefined);

  const app = (ctx: Context): string => existingAppName(store, ctx);
  const env = (ctx: Context): string => {
    const name = String(ctx.params.environment ?? '');
    if (!read.config.environments.some((e) => e.name === name))
      throw new NotFoundError(`no environment named ${name} (there are ${read.config.environments.map((e) => e.name).join(', ')})`);
    return name;
  };
  const body = (ctx: Context) => (ctx.request.body ?? {}) as Record<string, unknown>;
  const optionalString = (v: unknown, what: string): string | undefined => {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new InvalidInputError(`${what} must be a string`);
    return v;
  };

  router.get('/apps/:name/environments', async (ctx) => {
    ctx.body = { environments: await environmentViews(read, app(ctx)) };
  });
  router.get('/apps/:name/builds', (ctx) => {
    ctx.body = { builds: store.builds.list(app(ctx)).map(buildAnswer) };
  });
  router.get('/apps/:name/deployments', (ctx) => {
    ctx.body = { deployments: store.deployments.list(app(ctx)).map(deploymentAnswer) };
  });
  router.post('/apps/:name/publish', async (ctx) => {
    const commit = optionalString(body(ctx).commit, 'commit');
    const result = await pipeline.publish(app(ctx), { ...(commit ? { commit } : {}), by: actorOf(ctx) });
    ctx.body = { ...result, deployment: deploymentAnswer(result.deployment) };
  });
  router.post('/apps/:name/rollback', async (ctx) => {
    const to = optionalString(body(ctx).to, 'to');
    const result = await pipeline.rollback(app(ctx), { ...(to ? { to } : {}), by: actorOf(ctx) });
    ctx.body = { ...result, deployment: deploymentAnswer(result.deployment) };
  });
  // The plan publish or rollback would apply: target, tag, direction, commits and files, and what blocks it.
  router.get('/apps/:name/release-plan', async (ctx) => {
    const action = ctx.query.action ?? 'publish';
    if (action !== 'publish' && action !== 'rollback') throw new InvalidInputError('action is publish or rollback');
    const to = optionalString(ctx.query.to, 'to');
    const { plan } = await pipeline.releasePlan(app(ctx), action, to ? { to } : {});
    ctx.body = { plan };
  });

  // Every release, newest first: its tag, commit (with subject and date), build, and whether production runs it.
  router.get('/apps/:name/releases', async (ctx) => {
    const choices = await pipeline.rollbackChoices(app(ctx));
    ctx.body = {
      releases: choices.map(releaseAnswer),
    };
  });

  router.get('/builds/:id', (ctx) => {
    const build = store.builds.get(String(ctx.params.id));
    if (!build) throw new NotFoundError(`no build ${ctx.params.id}`);
    ctx.body = { build: buildAnswer(build) };
  });
  router.get('/builds/:id/log', async (ctx) => {
    const id = String(ctx.params.id);
    const build = store.builds.get(id);
    if (!build) throw new NotFoundError(`no build ${id}`);
    await serveLog(ctx, {
      path: build.logPath,
      removed: removedLog(build),
      isRunning: () => ['queued', 'building'].includes(store.builds.get(id)?.status ?? ''),
      subscribe: (wake) => read.events.subscribe(build.app, (e) => (e.type === 'build-line' || e.type === 'build') && e.buildId === id && wake()),
    });
  });
  router.get('/deployments/:id/log', async (ctx) => {
    const id = String(ctx.params.id);
    const d = store.deployments.get(id);
    if (!d) throw new NotFoundError(`no deployment ${id}`);
    await serveLog(ctx, {
      path: d.logPath,
      removed: removedLog(d),
      isRunning: () => ['queued', 'building', 'deploying'].includes(store.deployments.get(id)?.status ?? ''),
      subscribe: (wake) => read.events.subscribe(d.app, (e) => (e.type === 'deploy-line' || e.type === 'deployment') && e.deploymentId === id && wake()),
    });
  });

  router.get('/apps/:name/secrets/:environment', async (ctx) => {
    // `missing`: names the app had before its database was rebuilt from the repos, with no value now.
    ctx.body = { names: pipeline.secrets.names(app(ctx), env(ctx)), missing: await pipeline.secrets.missing(app(ctx), env(ctx)) };
  });
  router.put('/apps/:name/secrets/:environment/:key', async (ctx) => {
    await pipeline.secrets.set(app(ctx), env(ctx), String(ctx.params.key), body(ctx).value, actorOf(ctx));
    ctx.status = 204;
  });
  router.delete('/apps/:name/secrets/:environment/:key', async (ctx) => {
    await pipeline.secrets.remove(app(ctx), env(ctx), String(ctx.params.key), actorOf(ctx));
    ctx.status = 204;
  });

  router.get('/apps/:name/job-runs', (ctx) => {
    ctx.body = { runs: store.jobRuns.list(app(ctx)).map(jobRunAnswer) };
  });
  router.post('/apps/:name/jobs/run', async (ctx) => {
    const environment = optionalString(body(ctx).environment, 'environment') ?? 'preview';
    ctx.status = 202;
    ctx.body = { run: jobRunAnswer(await pipeline.runJob(app(ctx), environment, actorOf(ctx))) };
  });
  router.get('/job-runs/:id/log', async (ctx) => {
    const id = String(ctx.params.id);
    const run = store.jobRuns.get(id);
    if (!run) throw new NotFoundError(`no job run ${id}`);
    await serveLog(ctx, {
      path: run.logPath,
      removed: removedLog(run),
      isRunning: () => store.jobRuns.get(id)?.status === 'running',
      subscribe: (wake) => read.events.subscribe(run.app, (e) => (e.type === 'job-line' || e.type === 'job-run') && e.runId === id && wake()),
    });
  });

  return router;
}
