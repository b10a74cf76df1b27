// The use cases bound to their dependencies: what the web layer and the CLI call.
import { createApp, type CreateAppInput } from './create-app.js';
import { deleteApp } from './delete-app.js';
import type { PipelineDeps } from './deps.js';
import { createJobScheduler, type JobScheduler } from './job-scheduler.js';
import { logPath } from './log-paths.js';
import { publish, type PublishResult } from './publish.js';
import { createReconciler, type Reconciler } from './reconciler.js';
import { postReceive, preReceive, type HookInput, type Say } from './receive-hooks.js';
import { rollback, type RollbackResult } from './rollback.js';
import { startJobRun } from './run-job.js';
import { authenticateToken, tokenFromBasic, tokenFromBearer, type Principal } from './authenticate-token.js';
import { waitForDeployment } from './wait-for-deployment.js';
import { startGeneration } from './generate.js';
import { revertGeneration } from './revert-generation.js';
import type { GenerationRecord } from '../store/generations-store.js';
import type { DeploymentRecord } from '../store/deployments-store.js';
import type { JobRunRecord } from '../store/job-runs-store.js';

export interface Pipeline {
  readonly deps: PipelineDeps;
  readonly reconciler: Reconciler;
  readonly scheduler: JobScheduler;
  createApp(input: CreateAppInput): ReturnType<typeof createApp>;
  deleteApp(name: string): Promise<void>;
  preReceive(input: HookInput, say: Say): boolean;
  postReceive(input: HookInput, say: Say): Promise<void>;
  /** Publishes and waits (up to `waitMs`) for production to be live. */
  publish(app: string, options: { commit?: string; by: string; waitMs?: number }): Promise<PublishResult & { deployment: DeploymentRecord }>;
  rollback(app: string, options: { to?: string; waitMs?: number }): Promise<RollbackResult & { deployment: DeploymentRecord }>;
  runJob(app: string, environment: string): Promise<JobRunRecord>;
  generate(app: string, prompt: unknown, by: string): GenerationRecord;
  revertGeneration(id: string, by: string): Promise<GenerationRecord>;
  /** After a settings change: redeploys what the environment runs (fresh container, same commit). */
  restartEnvironment(app: string, environment: string): DeploymentRecord | null;
  authenticateBearer(authorization: string | undefined): Principal | null;
  authenticateBasic(authorization: string | undefined): Principal | null;
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const scheduler = createJobScheduler(deps);
  const reconciler = createReconciler(deps, (app) => scheduler.sync(app));
  const settle = async (deployment: DeploymentRecord, waitMs = 120_000) => {
    void reconciler.wake(deployment.app);
    return waitForDeployment(deps, deployment.id, waitMs);
  };
  return {
    deps,
    reconciler,
    scheduler,
    createApp: async (input) => {
      const app = await createApp(deps, input);
      const preview = deps.config.environments.find((e) => e.ref === 'refs/heads/main');
      if (preview)
        deps.store.deployments.create({
          app: app.name,
          environment: preview.name,
          commit: app.commit,
          trigger: 'create',
          previousCommit: null,
          logPath: (id) => logPath(deps.config.dataDir, 'deployments', id),
        });
      void reconciler.wake(app.name);
      return app;
    },
    deleteApp: async (name) => {
      await deleteApp(deps, name);
      await scheduler.sync(name);
    },
    preReceive: (input, say) => preReceive(deps, input, say),
    postReceive: (input, say) => postReceive(deps, reconciler, input, say),
    publish: async (app, options) => {
      const result = await publish(deps, app, options);
      return { ...result, deployment: await settle(result.deployment, options.waitMs) };
    },
    rollback: async (app, options) => {
      const result = await rollback(deps, app, options);
      return { ...result, deployment: await settle(result.deployment, options.waitMs) };
    },
    generate: (app, prompt, by) => startGeneration(deps, reconciler, app, prompt, by),
    revertGeneration: (id, by) => revertGeneration(deps, reconciler, id, by),
    runJob: async (app, environment) => (await startJobRun(deps, app, environment, 'manual')).run,
    restartEnvironment: (app, environment) => {
      const live = deps.store.deployments.live(app, environment);
      if (!live) return null;
      const d = deps.store.deployments.create({
        app,
        environment,
        commit: live.commit,
        trigger: 'config',
        previousCommit: live.commit,
        logPath: (id) => logPath(deps.config.dataDir, 'deployments', id),
      });
      void reconciler.wake(app);
      return d;
    },
    authenticateBearer: (a) => authenticateToken(deps, tokenFromBearer(a)),
    authenticateBasic: (a) => authenticateToken(deps, tokenFromBasic(a)),
  };
}
