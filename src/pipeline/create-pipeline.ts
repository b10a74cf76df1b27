// The use cases bound to their dependencies: what the web layer and the CLI call.
import type { ReleaseAction } from '../domain/plan-release-change.js';
import type { EnvironmentHealth, OtherInstallation } from '../runtime/runtime.js';
import { messageOf, SlipwayError } from '../shared/errors.js';
import type { DeploymentRecord } from '../store/deployments-store.js';
import type { GenerationRecord } from '../store/generations-store.js';
import type { JobRunRecord } from '../store/job-runs-store.js';
import { createAppLocks } from './app-locks.js';
import { createBackups, type Backups } from './backups.js';
import { checkSession, signInWithToken, type SessionClaim } from '../auth/authenticate-session.js';
import { authenticateToken, tokenFromBasic, tokenFromBearer, type Principal } from '../auth/authenticate-token.js';
import { createToken } from '../auth/create-token.js';
import type { RefUpdate } from '../domain/classify-ref.js';
import type { Logger } from '../shared/log.js';
import type { TokenRecord } from '../store/tokens-store.js';
import { createApp, type CreateAppInput } from './create-app.js';
import { deleteApp } from './delete-app.js';
import type { PipelineDeps } from './deps.js';
import { startGeneration } from './generate.js';
import { createJobScheduler, type JobScheduler } from './job-scheduler.js';
import { logPath } from './log-paths.js';
import { listRollbackChoices, planProductionMove, type ProductionMovePlan, type RollbackChoice } from './plan-production-move.js';
import { createPlatformStatus, type PlatformStatusSource } from './platform-status.js';
import { checkInstallation, type CheckResult } from './check-installation.js';
import type { PipelineReads } from './pipeline-reads.js';
import { readRuntimeLogs } from './read-runtime-logs.js';
import { release, type ReleaseResult } from './release.js';
import { createReconciler, type Reconciler } from './reconciler.js';
import { createRetention, type Retention } from './retention.js';
import { measureDiskUse, type DiskUseReport } from './measure-disk-use.js';
import { listBranchPreviews } from './branch-previews.js';
import { acceptsWithoutHook, postReceive, preReceive, type HookInput, type Say } from './receive-hooks.js';
import { recordRefUpdates } from './record-ref-updates.js';
import { revertGeneration } from './revert-generation.js';
import { repairFromRepos, type RepairReport } from './repair-from-repos.js';
import { appMetadataWritten } from './app-metadata.js';
import { createSecrets, type Secrets } from './secrets.js';
import { createDomains } from './domains.js';
import type { DomainRecord } from '../store/domains-store.js';
import { CERTIFICATES_OFF } from '../domain/certificate-state.js';
import { startJobRun } from './run-job.js';
import { waitForDeployment } from './wait-for-deployment.js';
import { createWorkTracker } from './work-tracker.js';
import { createWebhooks, type Webhooks } from './webhooks.js';
import { createAppAccess, type AppAccessService } from './app-access.js';
import { createMetrics, type Metrics } from './create-metrics.js';
import { MAIN_REF } from '../domain/environments.js';
import { ZERO_SHA } from '../domain/types.js';

export interface Pipeline {
  /** What the web layer and the CLI may read: config, the store without writes, events, templates. */
  readonly read: PipelineReads;
  readonly log: Logger;
  /** The UI banner: whether the runtime answers and whether Claude is set up. */
  readonly platform: PlatformStatusSource;
  /** `slipway doctor` and the about page: what this installation can and cannot do, and what to fix. */
  checkInstallation(): Promise<CheckResult[]>;
  readonly reconciler: Reconciler;
  readonly scheduler: JobScheduler;
  /** Removes images and logs the retention settings keep no more (SLIPWAY_KEEP_RELEASES, _BUILDS, _LOGS). */
  readonly retention: Retention;
  /** What the apps named (or every app) take on disk: repo, images, logs; and their sum. */
  diskUse(apps?: readonly string[]): Promise<DiskUseReport>;
  /** An app's secrets per environment: names to show, values write-only; a change restarts the environment. */
  readonly secrets: Secrets;
  /** Archives of the whole installation: made, listed, found by name, scheduled (`backups.start()`, by the server). */
  readonly backups: Backups;
  /** Outbound webhooks per app and global: made, listed, removed, their deliveries; sent once `webhooks.start()` ran (the server). */
  readonly webhooks: Webhooks;
  /** Prometheus metrics (GET /metrics) and the traffic history behind the charts; timers started by the server. */
  readonly metrics: Metrics;
  /** Protected previews: each app's access setting, the sign-in hand-off to app hosts, share links, the proxy's check. */
  readonly access: AppAccessService;
  createApp(input: CreateAppInput): ReturnType<typeof createApp>;
  /**
   * Gives an environment of the app a custom domain (checked by src/domain/custom-domain.ts; 409 DOMAIN_TAKEN when
   * it is another app's) and emits a `domain` event. On Kubernetes the environment is redeployed for its Ingress.
   */
  addDomain(app: string, environment: unknown, domain: unknown): { domain: DomainRecord; added: boolean };
  /** Takes a custom domain off the app (404 when it is not the app's) and emits a `domain` event. */
  removeDomain(app: string, domain: unknown): DomainRecord;
  /** Cancels what deploys the app, waits for it, then removes what runs, the repo and the records. */
  deleteApp(name: string): Promise<void>;
  /**
   * Makes the database agree with the repos (repair-from-repos.ts) and lists other installations' leftovers on the
   * runtime; `prune` removes apps without a repo and what installations that no longer exist left.
   */
  repair(options?: { prune?: boolean }): Promise<RepairResult>;
  /** Whether pre-receive would accept these updates whatever happens meanwhile (the bridge then skips the hook). */
  acceptsPush(app: string, updates: RefUpdate[]): boolean;
  preReceive(input: HookInput, say: Say): Promise<boolean>;
  postReceive(input: HookInput, say: Say): Promise<void>;
  /** What publishing or rolling back would change, decided by the production rule; what publish and rollback apply. */
  releasePlan(app: string, action: ReleaseAction, options?: { to?: string }): Promise<ProductionMovePlan>;
  /** Publishes and waits (up to `waitMs`) for production to be live. */
  publish(app: string, options: { commit?: string; by: string; waitMs?: number }): Promise<ReleaseResult>;
  rollback(app: string, options: { to?: string; by: string; waitMs?: number }): Promise<ReleaseResult>;
  /** The releases production could roll back to, newest first. */
  rollbackChoices(app: string): Promise<RollbackChoice[]>;
  runJob(app: string, environment: string): Promise<JobRunRecord>;
  /** An environment's runtime log lines: the last `tail`, then new ones while `follow`. */
  runtimeLogs(app: string, environment: string, options: { tail: number; follow: boolean }, signal?: AbortSignal): AsyncIterable<string>;
  generate(app: string, prompt: unknown, by: string): GenerationRecord;
  revertGeneration(id: string, by: string): Promise<GenerationRecord>;
  authenticateBearer(authorization: string | undefined): Principal | null;
  authenticateBasic(authorization: string | undefined): Principal | null;
  /** Signing in to the UI with a token: the claim a session keeps (never the token), or null. */
  signIn(token: unknown): SessionClaim | null;
  /** Who a session's claim stands for, while its token still exists. */
  checkSession(claim: unknown): Principal | null;
  /** A new token: its value is returned once, only its hash is kept. */
  createToken(name: string): { token: string; record: TokenRecord };
  /**
   * Orderly shutdown: stops taking work, cancels builds, deployments, generations and job runs, waits (at most
   * `graceMs`) until each has recorded where it stopped, then closes the store.
   */
  close(graceMs?: number): Promise<void>;
}

export type RepairResult = RepairReport & {
  /** Other installations on the runtime (Docker), or why they could not be listed. */
  others: OtherInstallation[];
  othersError: string | null;
  removedOthers: string[];
};

export function createPipeline(deps: PipelineDeps): Pipeline {
  const work = createWorkTracker(() => new SlipwayError('SHUTTING_DOWN', 'Slipway is shutting down; try again when it is back', { needsPerson: false }));
  const locks = createAppLocks();
  const scheduler = createJobScheduler(deps, work);
  const reconciler = createReconciler(deps, locks, (app) => scheduler.sync(app));
  const retention = createRetention(deps, locks);
  const settle = async (result: ReleaseResult, waitMs = 120_000): Promise<ReleaseResult> => {
    void reconciler.wake(result.deployment.app);
    return { ...result, deployment: await waitForDeployment(deps, result.deployment.id, waitMs, work.signal) };
  };
  const releaseOf = (app: string, action: ReleaseAction, to: string | undefined, by: string) => {
    work.checkOpen();
    return locks.release(app, () => release(deps, app, action, { ...(to ? { to } : {}), by }));
  };
  // After a settings change: redeploys what the environment runs (fresh container, same commit).
  const restartEnvironment = (app: string, environment: string): DeploymentRecord | null => {
    work.checkOpen();
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
  };
  const domains = createDomains(deps, restartEnvironment);
  const removeApp = async (name: string): Promise<void> => {
    // Queue for the app exclusively first, so no new pass slips in, then cancel the pass that deploys it.
    const deleting = locks.exclusive(name, () => deleteApp(deps, name));
    await reconciler.cancel(name);
    await deleting;
    await scheduler.sync(name);
    metrics.forgetApp(name);
  };
  const metrics = createMetrics(deps);
  const backups = createBackups(deps, work);
  const webhooks = createWebhooks(deps);
  return {
    read: {
      config: deps.config,
      store: deps.store,
      events: deps.events,
      templates: deps.templates,
      health: (app) => readHealthQuickly(deps, app),
      branchPreviews: (app) => listBranchPreviews(deps, app),
      certificateState: (host) => deps.certificates?.status(host) ?? CERTIFICATES_OFF,
    },
    log: deps.log,
    platform: createPlatformStatus(deps),
    checkInstallation: () => checkInstallation(deps),
    reconciler,
    scheduler,
    retention,
    diskUse: (apps) => measureDiskUse(deps, apps),
    secrets: createSecrets(deps, restartEnvironment),
    backups,
    webhooks,
    metrics,
    access: createAppAccess(deps),
    createApp: async (input) => {
      work.checkOpen();
      const app = await createApp(deps, input);
      await recordRefUpdates(deps, app.name, [{ ref: MAIN_REF, oldSha: ZERO_SHA, newSha: app.commit }], { by: 'slipway', trigger: 'create' });
      void reconciler.wake(app.name);
      return app;
    },
    addDomain: (app, environment, domain) => {
      work.checkOpen();
      return domains.add(app, environment, domain);
    },
    removeDomain: (app, domain) => {
      work.checkOpen();
      return domains.remove(app, domain);
    },
    deleteApp: removeApp,
    async repair({ prune = false } = {}) {
      work.checkOpen();
      const report = await repairFromRepos(deps, { prune, removeApp });
      let others: OtherInstallation[] = [];
      let othersError: string | null = null;
      const removedOthers: string[] = [];
      try {
        others = (await deps.runtime.otherInstallations?.()) ?? [];
        if (prune)
          for (const o of others.filter((x) => x.exists === false)) {
            await deps.runtime.removeOtherInstallation?.(o.installation);
            removedOthers.push(o.installation);
          }
      } catch (e) {
        othersError = messageOf(e);
      }
      for (const r of report.restored) void reconciler.wake(r.app);
      return { ...report, others, othersError, removedOthers };
    },
    acceptsPush: (app, updates) => acceptsWithoutHook(deps, { app, updates }),
    preReceive: (input, say) => preReceive(deps, input, say),
    postReceive: (input, say) => postReceive(deps, reconciler, input, say),
    releasePlan: (app, action, options = {}) => planProductionMove(deps, app, action, options),
    publish: async (app, options) => settle(await releaseOf(app, 'publish', options.commit, options.by), options.waitMs),
    rollback: async (app, options) => settle(await releaseOf(app, 'rollback', options.to, options.by), options.waitMs),
    generate: (app, prompt, by) => startGeneration(deps, reconciler, work, app, prompt, by),
    revertGeneration: (id, by) => {
      work.checkOpen();
      return revertGeneration(deps, reconciler, id, by);
    },
    rollbackChoices: (app) => listRollbackChoices(deps, app),
    runtimeLogs: (app, environment, options, signal) => readRuntimeLogs(deps, app, environment, options, signal),
    runJob: async (app, environment) => (await startJobRun(deps, app, environment, 'manual', work)).run,
    authenticateBearer: (a) => authenticateToken(deps, tokenFromBearer(a)),
    authenticateBasic: (a) => authenticateToken(deps, tokenFromBasic(a)),
    signIn: (token) => signInWithToken(deps, token),
    checkSession: (claim) => checkSession(deps, claim),
    createToken: (name) => createToken(deps, name),
    async close(graceMs = 20_000) {
      const left = work.drain(graceMs);
      const retained = retention.stop();
      scheduler.stopAll();
      backups.stop();
      metrics.stop();
      let timer: NodeJS.Timeout | undefined;
      const passes = await Promise.race([reconciler.stop().then(() => 0), new Promise<number>((r) => (timer = setTimeout(() => r(1), graceMs)))]);
      clearTimeout(timer);
      const unfinished = (await left) + passes;
      if (unfinished > 0) deps.log.warn('shut down with work still running; it is recovered at the next start', { unfinished });
      await appMetadataWritten();
      await retained;
      await webhooks.stop();
      deps.store.close();
    },
  };
}

const HEALTH_WAIT_MS = 2000;

/** A page asks the runtime how its app is doing; a slow or unreachable engine leaves that part out (null). */
async function readHealthQuickly(deps: Pick<PipelineDeps, 'runtime' | 'log'>, app: string): Promise<EnvironmentHealth[] | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), HEALTH_WAIT_MS)));
  try {
    return await Promise.race([deps.runtime.health(app), late]);
  } catch (e) {
    deps.log.debug('the runtime did not say how the app is doing', { app, error: messageOf(e) });
    return null;
  } finally {
    clearTimeout(timer);
  }
}
