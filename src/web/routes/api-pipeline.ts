// JSON API of the pipeline: environments, publish and rollback, builds and deployments with their logs,
// secrets, and scheduled job runs.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { environmentViews } from '../../pipeline/environment-views.js';
import type { Principal } from '../../pipeline/authenticate-token.js';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { buildAnswer, deploymentAnswer, jobRunAnswer } from '../api-records.js';
import { serveLog } from '../serve-log.js';
import { existingAppName } from '../existing-app-name.js';

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const MAX_SECRET_BYTES = 64 * 1024;

export function apiPipelineRoutes(pipeline: Pipeline): Router {
  const router = new Router({ prefix: '/api' });
  const { deps } = pipeline;
  const { store } = deps;

  const app = (ctx: Context): string => existingAppName(store, ctx);
  const env = (ctx: Context): string => {
    const name = String(ctx.params.environment ?? '');
    if (!deps.config.environments.some((e) => e.name === name))
      throw new NotFoundError(`no environment named ${name} (there are ${deps.config.environments.map((e) => e.name).join(', ')})`);
    return name;
  };
  const body = (ctx: Context) => (ctx.request.body ?? {}) as Record<string, unknown>;
  const optionalString = (v: unknown, what: string): string | undefined => {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new InvalidInputError(`${what} must be a string`);
    return v;
  };

  router.get('/apps/:name/environments', async (ctx) => {
    ctx.body = { environments: await environmentViews(deps, app(ctx)) };
  });
  router.get('/apps/:name/builds', (ctx) => {
    ctx.body = { builds: store.builds.list(app(ctx)).map(buildAnswer) };
  });
  router.get('/apps/:name/deployments', (ctx) => {
    ctx.body = { deployments: store.deployments.list(app(ctx)).map(deploymentAnswer) };
  });
  router.post('/apps/:name/publish', async (ctx) => {
    const principal = ctx.state.principal as Principal;
    const commit = optionalString(body(ctx).commit, 'commit');
    const result = await pipeline.publish(app(ctx), { ...(commit ? { commit } : {}), by: principal.name });
    ctx.body = { ...result, deployment: deploymentAnswer(result.deployment) };
  });
  router.post('/apps/:name/rollback', async (ctx) => {
    const to = optionalString(body(ctx).to, 'to');
    const result = await pipeline.rollback(app(ctx), to ? { to } : {});
    ctx.body = { ...result, deployment: deploymentAnswer(result.deployment) };
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
      isRunning: () => ['queued', 'building'].includes(store.builds.get(id)?.status ?? ''),
      subscribe: (wake) => deps.events.subscribe(build.app, (e) => (e.type === 'build-line' || e.type === 'build') && e.buildId === id && wake()),
    });
  });
  router.get('/deployments/:id/log', async (ctx) => {
    const id = String(ctx.params.id);
    const d = store.deployments.get(id);
    if (!d) throw new NotFoundError(`no deployment ${id}`);
    await serveLog(ctx, {
      path: d.logPath,
      isRunning: () => ['queued', 'building', 'deploying'].includes(store.deployments.get(id)?.status ?? ''),
      subscribe: (wake) => deps.events.subscribe(d.app, (e) => (e.type === 'deploy-line' || e.type === 'deployment') && e.deploymentId === id && wake()),
    });
  });

  router.get('/apps/:name/secrets/:environment', (ctx) => {
    ctx.body = { names: store.secrets.names(app(ctx), env(ctx)) };
  });
  router.put('/apps/:name/secrets/:environment/:key', (ctx) => {
    const [a, e, key] = [app(ctx), env(ctx), String(ctx.params.key)];
    if (!SECRET_NAME.test(key)) throw new InvalidInputError(`"${key.slice(0, 60)}" is not a valid variable name`);
    const value = body(ctx).value;
    if (typeof value !== 'string' || Buffer.byteLength(value) > MAX_SECRET_BYTES)
      throw new InvalidInputError(`a secret value is a string of at most ${MAX_SECRET_BYTES} bytes`);
    store.secrets.set(a, e, key, value);
    pipeline.restartEnvironment(a, e);
    ctx.status = 204;
  });
  router.delete('/apps/:name/secrets/:environment/:key', (ctx) => {
    const [a, e] = [app(ctx), env(ctx)];
    if (!store.secrets.remove(a, e, String(ctx.params.key))) throw new NotFoundError(`no secret ${ctx.params.key}`);
    pipeline.restartEnvironment(a, e);
    ctx.status = 204;
  });

  router.get('/apps/:name/job-runs', (ctx) => {
    ctx.body = { runs: store.jobRuns.list(app(ctx)).map(jobRunAnswer) };
  });
  router.post('/apps/:name/jobs/run', async (ctx) => {
    const environment = optionalString(body(ctx).environment, 'environment') ?? 'preview';
    ctx.status = 202;
    ctx.body = { run: jobRunAnswer(await pipeline.runJob(app(ctx), environment)) };
  });
  router.get('/job-runs/:id/log', async (ctx) => {
    const id = String(ctx.params.id);
    const run = store.jobRuns.get(id);
    if (!run) throw new NotFoundError(`no job run ${id}`);
    await serveLog(ctx, {
      path: run.logPath,
      isRunning: () => store.jobRuns.get(id)?.status === 'running',
      subscribe: (wake) => deps.events.subscribe(run.app, (e) => (e.type === 'job-line' || e.type === 'job-run') && e.runId === id && wake()),
    });
  });

  return router;
}
