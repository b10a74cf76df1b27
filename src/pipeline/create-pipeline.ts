// The use cases bound to their dependencies: what the web layer and the CLI call.
import type { ReleaseAction } from '../domain/plan-release-change.js';
import type { EnvironmentHealth, OtherInstallation, WarmRelease } from '../runtime/runtime.js';
import { messageOf, SlipwayError } from '../shared/errors.js';
import type { DeploymentRecord } from '../store/deployments-store.js';
import type { GenerationRecord } from '../store/generations-store.js';
import type { JobRunRecord } from '../store/job-runs-store.js';
import { createAppLocks } from './app-locks.js';
import { createBackups, type Backups } from './backups.js';
import { checkSession, signInWithLink, signInWithToken, type SessionClaim } from '../auth/authenticate-session.js';
import { authenticateToken, tokenFromBasic, tokenFromBearer, type Principal } from '../auth/authenticate-token.js';
import { CLI_ACTOR, toActor, type Actor } from '../domain/actor.js';
import type { TokenRecord } from '../store/tokens-store.js';
import { createAuditRecorder, type RecordAudit } from './audit.js';
import { createPeople, type People } from './people.js';
import type { RefUpdate } from '../domain/classify-ref.js';
import type { Logger } from '../shared/log.js';
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
import { createSecrets } from './secrets.js';
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
  /** The releases kept warm for instant rollbacks and their memory; null on a runtime that keeps none (Kubernetes). */
  warmReleases(): Promise<WarmRelease[] | null>;
  /** An app's secrets per environment: names to show, values write-only; a change restarts the environment. */
  readonly secrets: AuditedSecrets;
  /** Archives of the whole installation: made, listed, found by name, scheduled (`backups.start()`, by the server). */
  readonly backups: Backups;
  /** Outbound webhooks per app and global: made, listed, removed, their deliveries; sent once `webhooks.start()` ran (the server). */
  readonly webhooks: Webhooks;
  /** Prometheus metrics (GET /metrics) and the traffic history behind the charts; timers started by the server. */
  readonly metrics: Metrics;
  /** Protected previews: each app's access setting, the sign-in hand-off to app hosts, share links, the proxy's check. */
  readonly access: AppAccessService;
  createApp(input: CreateAppInput, by?: Actor): ReturnType<typeof createApp>;
  /**
   * Gives an environment of the app a custom domain (checked by src/domain/custom-domain.ts; 409 DOMAIN_TAKEN when
   * it is another app's) and emits a `domain` event. On Kubernetes the environment is redeployed for its Ingress.
   */
  addDomain(app: string, environment: unknown, domain: unknown, by?: Actor): { domain: DomainRecord; added: boolean };
  /** Takes a custom domain off the app (404 when it is not the app's) and emits a `domain` event. */
  removeDomain(app: string, domain: unknown, by?: Actor): DomainRecord;
  /** Cancels what deploys the app, waits for it, then removes what runs, the repo and the records. */
  deleteApp(name: string, by?: Actor): Promise<void>;
  /**
   * Makes the database agree with the repos (repair-from-repos.ts) and lists other installations' leftovers on the
   * runtime; `prune` removes apps without a repo and what installations that no longer exist left.
   */
  repair(options?: { prune?: boolean }): Promise<RepairResult>;
  /** Whether pre-receive would accept these updates whatever happens meanwhile (the bridge then skips the hook). */
  acceptsPush(app: string, updates: RefUpdate[], pusherToken: string): boolean;
  preReceive(input: HookInput, say: Say): Promise<boolean>;
  postReceive(input: HookInput, say: Say): Promise<void>;
  /** What publishing or rolling back would change, decided by the production rule; what publish and rollback apply. */
  releasePlan(app: string, action: ReleaseAction, options?: { to?: string }): Promise<ProductionMovePlan>;
  /** Publishes and waits (up to `waitMs`) for production to be live. */
  publish(app: string, options: { commit?: string; by: Actor | string; waitMs?: number }): Promise<ReleaseResult>;
  rollback(app: string, options: { to?: string; by: Actor | string; waitMs?: number }): Promise<ReleaseResult>;
  /** The releases production could roll back to, newest first. */
  rollbackChoices(app: string): Promise<RollbackChoice[]>;
  runJob(app: string, environment: string, by?: Actor): Promise<JobRunRecord>;
  /** An environment's runtime log lines: the last `tail`, then new ones while `follow`. */
  runtimeLogs(app: string, environment: string, options: { tail: number; follow: boolean }, signal?: AbortSignal): AsyncIterable<string>;
  generate(app: string, prompt: unknown, by: Actor | string): GenerationRecord;
  revertGeneration(id: string, by: Actor | string): Promise<GenerationRecord>;
  /** Who presented the token (its last use, time and address, is recorded). */
  authenticateBearer(authorization: string | undefined, address?: string): Principal | null;
  authenticateBasic(authorization: string | undefined, address?: string): Principal | null;
  /** Signing in to the UI with a token: the claim a session keeps (never the token), or null. Recorded, failures too. */
  signIn(token: unknown, address: string): SessionClaim | null;
  /** Signing in with a one-time link an admin made: works once, before it expires. Recorded, failures too. */
  signInWithLink(secret: unknown, address: string): SessionClaim | null;
  /** Who a session's claim stands for, while its token (or its person) still exists. */
  checkSession(claim: unknown): Principal | null;
  /** A token of the first admin person, as `slipway token create --name NAME`: its value is returned once. */
  createToken(name: string): { token: string; record: TokenRecord };
  /** People, roles, tokens and sign-in links (each change recorded in the audit log). */
  readonly people: People;
  /** Appends to the audit log (for changes made outside the commands here, such as backups from the UI). */
  readonly audit: RecordAudit;
  /**
   * Orderly shutdown: stops taking work, cancels builds, deployments, generations and job runs, waits (at most
   * `graceMs`) until each has recorded where it stopped, then closes the store.
   */
  close(graceMs?: number): Promise<void>;
}

/** The secrets, with who sets or removes each (recorded by name, never the value). */
export interface AuditedSecrets {
  names(app: string, environment: string): string[];
  missing(app: string, environment: string): Promise<string[]>;
  set(app: string, environment: string, name: unknown, value: unknown, by?: Actor): Promise<void>;
  remove(app: string, environment: string, name: unknown, by?: Actor): Promise<void>;
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
  const settle = async (result: ReleaseResult, by: Actor | string, waitMs = 120_000): Promise<ReleaseResult> => {
    // The deploy starts as soon as the ref moved; the audit line is written while it runs.
    void reconciler.wake(result.deployment.app);
    released(result, by);
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
  const audit: RecordAudit = createAuditRecorder(deps);
  const secrets = createSecrets(deps, restartEnvironment);
  const people = createPeople(deps, audit);
  // Sign-ins are recorded whether they work or not: a run of failures from one address is worth seeing.
  const recordSignIn = (claim: SessionClaim | null, via: 'token' | 'link', address: string): void => {
    if (!claim) {
      audit({ personId: null, name: 'unknown', token: null, address }, 'sign-in.failed', { detail: { via } });
      return;
    }
    const principal = checkSession(deps, claim);
    audit({ personId: principal?.personId ?? null, name: claim.name, token: principal?.tokenName ?? null, address }, 'sign-in', { detail: { via } });
  };
  const released = (result: ReleaseResult, by: Actor | string): ReleaseResult => {
    audit(by, result.action, { app: result.deployment.app, target: result.tag, detail: { commit: result.commit } });
    return result;
  };
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
    warmReleases: async () => (deps.runtime.warmReleases ? deps.runtime.warmReleases() : null),
    secrets: {
      names: secrets.names,
      missing: secrets.missing,
      async set(app, environment, name, value, by) {
        await secrets.set(app, environment, name, value);
        audit(by, 'secret.set', { app, target: `${environment}/${String(name)}` });
      },
      async remove(app, environment, name, by) {
        await secrets.remove(app, environment, name);
        audit(by, 'secret.removed', { app, target: `${environment}/${String(name)}` });
      },
    },
    backups,
    webhooks,
    metrics,
    access: createAppAccess(deps),
    createApp: async (input, by) => {
      work.checkOpen();
      const app = await createApp(deps, input);
      audit(by, 'app.created', { app: app.name, detail: { template: app.template } });
      await recordRefUpdates(deps, app.name, [{ ref: MAIN_REF, oldSha: ZERO_SHA, newSha: app.commit }], { by: 'slipway', trigger: 'create' });
      void reconciler.wake(app.name);
      return app;
    },
    addDomain: (app, environment, domain, by) => {
      work.checkOpen();
      const result = domains.add(app, environment, domain);
      if (result.added) audit(by, 'domain.added', { app, target: result.domain.domain, detail: { environment: result.domain.environment } });
      return result;
    },
    removeDomain: (app, domain, by) => {
      work.checkOpen();
      const removed = domains.remove(app, domain);
      audit(by, 'domain.removed', { app, target: removed.domain, detail: { environment: removed.environment } });
      return removed;
    },
    deleteApp: async (name, by) => {
      await removeApp(name);
      audit(by, 'app.deleted', { app: name });
    },
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
    acceptsPush: (app, updates, pusherToken) => acceptsWithoutHook(deps, { app, updates, pusherToken }),
    preReceive: (input, say) => preReceive(deps, input, say),
    postReceive: (input, say) => {
      // The refs have moved: the push is recorded before its build and deploy are followed.
      const token = input.pusherToken ? deps.store.tokens.get(input.pusherToken) : undefined;
      const actor: Actor = {
        personId: token?.personId ?? (input.pusherToken === 'env' ? 'per_admin' : null),
        name: input.pusher || 'unknown',
        token: token?.name ?? (input.pusherToken === 'env' ? 'SLIPWAY_ADMIN_TOKEN' : null),
        address: input.address ?? null,
      };
      for (const u of input.updates) audit(actor, 'push', { app: input.app, target: u.ref, detail: { old: u.oldSha, new: u.newSha } });
      return postReceive(deps, reconciler, input, say);
    },
    releasePlan: (app, action, options = {}) => planProductionMove(deps, app, action, options),
    publish: async (app, options) => settle(await releaseOf(app, 'publish', options.commit, toActor(options.by).name), options.by, options.waitMs),
    rollback: async (app, options) => settle(await releaseOf(app, 'rollback', options.to, toActor(options.by).name), options.by, options.waitMs),
    generate: (app, prompt, by) => {
      const generation = startGeneration(deps, reconciler, work, app, prompt, toActor(by).name);
      audit(by, 'generation', { app, target: generation.id, detail: { prompt: generation.prompt.slice(0, 500) } });
      return generation;
    },
    revertGeneration: async (id, by) => {
      work.checkOpen();
      const revert = await revertGeneration(deps, reconciler, id, toActor(by).name);
      audit(by, 'generation.reverted', { app: revert.app, target: id, detail: { revert: revert.id } });
      return revert;
    },
    rollbackChoices: (app) => listRollbackChoices(deps, app),
    runtimeLogs: (app, environment, options, signal) => readRuntimeLogs(deps, app, environment, options, signal),
    runJob: async (app, environment, by) => {
      const { run } = await startJobRun(deps, app, environment, 'manual', work);
      audit(by, 'job.run', { app, target: run.id, detail: { environment } });
      return run;
    },
    authenticateBearer: (a, address) => authenticateToken(deps, tokenFromBearer(a), address),
    authenticateBasic: (a, address) => authenticateToken(deps, tokenFromBasic(a), address),
    signIn: (token, address) => {
      const claim = signInWithToken(deps, token, address);
      recordSignIn(claim, 'token', address);
      return claim;
    },
    signInWithLink: (secret, address) => {
      const claim = signInWithLink(deps, secret);
      recordSignIn(claim, 'link', address);
      return claim;
    },
    checkSession: (claim) => checkSession(deps, claim),
    createToken: (name) => people.createToken({ name, personId: people.firstAdmin().id }, CLI_ACTOR),
    people,
    audit,
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
