// Where a push becomes a deployment. For each environment of an app: desired = the commit its ref points at,
// actual = what the runtime serves. When they differ: build (or reuse) the image, deploy, wait for health,
// record. Records keep the attempted commit apart from the applied one, so a failure never hides what serves.
import { openLineLog } from '../shared/line-log.js';
import { readAppSettings } from './read-app-settings.js';
import { shortSha } from '../domain/types.js';
import type { EnvironmentDef } from '../domain/types.js';
import { readRefs } from '../git/read-refs.js';
import { repoPath } from '../git/repo-path.js';
import type { Instance } from '../runtime/runtime.js';
import { messageOf } from '../shared/errors.js';
import { needsPerson } from '../shared/classify-failure.js';
import type { DeploymentRecord } from '../store/deployments-store.js';
import { environmentUrl } from '../domain/host-for.js';
import type { PipelineDeps } from './deps.js';
import { ensureBuild } from './ensure-build.js';
import { secretValues } from './secrets.js';
import { logPath } from './log-paths.js';
import { isBranchEnvironmentName } from '../domain/branch-environment.js';
import type { PlannedBranchPreview } from '../domain/plan-branch-previews.js';
import { listBranchPreviews } from './branch-previews.js';

/** Where an app's refs point: read once per pass by one git process, and again after a wait (a build, a deploy). */
interface RefReader {
  get(ref: string): Promise<string | null>;
  fresh(ref: string): Promise<string | null>;
  /** Time passed: the next `get` reads again. */
  expire(): void;
}

function readRefsOnce(gitdir: string): RefReader {
  let snapshot: Promise<Map<string, string>> | undefined;
  const get = async (ref: string) => {
    snapshot ??= readRefs(gitdir).then((refs) => new Map(refs.map((r) => [r.ref, r.sha])));
    return (await snapshot).get(ref) ?? null;
  };
  return {
    get,
    fresh: (ref) => {
      snapshot = undefined;
      return get(ref);
    },
    expire: () => (snapshot = undefined),
  };
}

type ConvergeDeps = Pick<PipelineDeps, 'config' | 'store' | 'events' | 'runtime' | 'docker' | 'build' | 'buildCgroups'>;

/**
 * Brings every environment of `app` to its ref's commit: the environment files' and the branch previews that run
 * (src/pipeline/branch-previews.ts). A branch preview that no longer runs (its branch deleted, idle, past the cap)
 * is removed first, which also frees its room in a Kubernetes quota for the others. Throws when the runtime cannot be
 * reached.
 */
export async function convergeApp(deps: ConvergeDeps, app: string, signal?: AbortSignal, moved?: Moved): Promise<void> {
  const refs = readRefsOnce(repoPath(deps.config.dataDir, app));
  // The runtime is asked while the repo is read: neither needs the other, and every deploy waits for both.
  const current = deps.runtime.current(app).then(
    (instances) => ({ ok: true as const, instances }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const branches = await listBranchPreviews(deps, app);
  const environments = [...deps.config.environments, ...branches.flatMap((b) => (b.state === 'active' && b.environment ? [b.environment] : []))];
  const read = await current;
  if (!read.ok) {
    await attemptQueued(deps, app, environments, refs, signal);
    throw read.error;
  }
  const live = await removeBranchPreviews(deps, app, read.instances, branches);
  for (const env of environments) {
    if (signal?.aborted) return;
    await convergeEnvironment(
      deps,
      app,
      env,
      live.find((i) => i.environment === env.name),
      refs,
      signal,
      moved,
    );
  }
}

/** Subscribes to "this app's refs may have moved" (the reconciler woken for it mid-pass); returns the unsubscribe. */
export type Moved = (listener: () => void) => () => void;

/**
 * Branch previews that are not to run: what the runtime runs of them is removed (container, or Deployment, Service
 * and Ingress), and their records say why — the live deployment becomes `replaced`, queued ones `superseded`. Their
 * images are then no longer anything's, and retention removes them by its usual rule. Returns what still runs.
 */
async function removeBranchPreviews(deps: ConvergeDeps, app: string, live: Instance[], branches: PlannedBranchPreview[]): Promise<Instance[]> {
  const { store } = deps;
  const active = new Set(branches.flatMap((b) => (b.state === 'active' && b.environment ? [b.environment.name] : [])));
  const why = new Map(branches.flatMap((b) => (b.environment && b.state !== 'active' ? [[b.environment.name, stopReason(b)] as const] : [])));
  const gone = new Set([
    ...live.map((i) => i.environment).filter((e) => isBranchEnvironmentName(e) && !active.has(e)),
    ...store.deployments.liveEnvironments(app).filter((e) => isBranchEnvironmentName(e) && !active.has(e)),
  ]);
  for (const environment of gone) {
    await deps.runtime.removeEnvironment(app, environment);
    const reason = why.get(environment) ?? 'removed: its branch was deleted';
    const current = store.deployments.live(app, environment);
    if (current) {
      store.deployments.update(current.id, { status: 'replaced', reason });
      emitStatus(deps, current, 'replaced', reason);
    }
  }
  // A push that a pass found past the cap (or one that raced another) queued a deployment nothing will run.
  for (const b of branches)
    if (b.environment && b.state !== 'active')
      for (const d of store.deployments.open(app, b.environment.name)) finish(deps, d, 'superseded', { reason: stopReason(b) });
  return live.filter((i) => !gone.has(i.environment));
}

function stopReason(b: PlannedBranchPreview): string {
  if (b.state === 'idle') return `stopped: ${b.reason ?? 'idle'}; the next push to ${b.branch} starts it again`;
  return `stopped: ${b.reason ?? b.state}`;
}

/**
 * The runtime cannot be reached (Docker is down): what a push queued is attempted all the same, so that its build
 * and deployment records, and the pusher, say why nothing goes live. That failure needs no person: once the runtime
 * answers again, a pass retries it. Nothing is queued on the timer's passes, so they add no records meanwhile.
 */
async function attemptQueued(deps: ConvergeDeps, app: string, environments: readonly EnvironmentDef[], refs: RefReader, signal?: AbortSignal): Promise<void> {
  for (const env of environments) {
    const desired = await refs.get(env.ref);
    const queued = deps.store.deployments.open(app, env.name).find((d) => d.commit === desired && d.status === 'queued');
    if (queued) await runDeployment(deps, app, env, queued, deps.store.deployments.live(app, env.name)?.commit ?? null, refs, signal);
  }
}

async function convergeEnvironment(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events' | 'runtime' | 'docker' | 'build' | 'buildCgroups'>,
  app: string,
  env: EnvironmentDef,
  actual: Instance | undefined,
  refs: RefReader,
  signal?: AbortSignal,
  moved?: Moved,
): Promise<void> {
  const { deployments } = deps.store;
  // A newer push while we build makes this loop go round again with the new commit (older ones superseded).
  for (let round = 0; round < 100 && !signal?.aborted; round++) {
    const desired = round === 0 ? await refs.get(env.ref) : await refs.fresh(env.ref);
    const open = deployments.open(app, env.name);
    if (!desired) {
      for (const d of open) finish(deps, d, 'superseded', { reason: `${env.ref} no longer exists` });
      return;
    }
    // A settings change (secrets) asks for a fresh container of the same commit.
    const restart = open.find((d) => d.commit === desired && d.trigger === 'config');
    if (actual?.commit === desired && !restart) {
      // Already serving (e.g. a deploy finished just before a crash): close the records that asked for it.
      for (const d of open)
        finish(
          deps,
          d,
          d.commit === desired ? 'live' : 'superseded',
          d.commit === desired ? { appliedCommit: desired } : { reason: `superseded by ${shortSha(desired)}` },
        );
      if (!deployments.live(app, env.name) && open.length === 0 && actual.deploymentId) adoptRunning(deps, app, env, actual);
      return;
    }
    const latest = deployments.latest(app, env.name);
    const queued = restart ?? open.find((d) => d.commit === desired && d.status === 'queued');
    // The same commit failed in a way only a person can fix (a broken build, an app that never gets healthy):
    // don't loop on it; a new push (or publish, or rollback) asks again.
    if (!queued && latest?.commit === desired && latest.status === 'failed' && latest.needsPerson) return;
    const deployment =
      queued ??
      deployments.create({
        app,
        environment: env.name,
        commit: desired,
        trigger: 'reconcile',
        previousCommit: actual?.commit ?? null,
        logPath: (id) => logPath(deps.config.dataDir, 'deployments', id),
      });
    for (const d of open) if (d.id !== deployment.id) finish(deps, d, 'superseded', { reason: `superseded by ${shortSha(desired)}` });
    const outcome = await runDeployment(deps, app, env, deployment, actual?.commit ?? null, refs, signal, moved);
    if (outcome.status === 'superseded') continue;
    if (outcome.status === 'live') actual = outcome.instance;
    return;
  }
}

type Outcome = { status: 'live'; instance: Instance } | { status: 'failed' } | { status: 'superseded' };

/** `applied` is the commit serving the environment now (null: nothing), which serves on if this deploy fails. */
async function runDeployment(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events' | 'runtime' | 'docker' | 'build' | 'buildCgroups'>,
  app: string,
  env: EnvironmentDef,
  d: DeploymentRecord,
  applied: string | null,
  refs: RefReader,
  signal?: AbortSignal,
  moved?: Moved,
): Promise<Outcome> {
  const { store, events, runtime, config } = deps;
  const gitdir = repoPath(config.dataDir, app);
  const log = openLineLog(
    d.logPath,
    (line, verdict) => events.emit({ type: 'deploy-line', app, deploymentId: d.id, line, ...(verdict ? { verdict: true as const } : {}) }),
    config.maxLogBytes,
  );
  const fail = (reason: string, needsPerson: boolean): Outcome => {
    log.verdict(`failed: ${reason}`);
    finish(deps, d, 'failed', { reason, appliedCommit: applied, needsPerson: needsPerson ? 1 : 0 });
    return { status: 'failed' };
  };
  try {
    store.deployments.start(d.id, 'building');
    emitStatus(deps, d, 'building');
    log.line(`deploying ${shortSha(d.commit)} to ${env.title}${applied ? ` (serving ${shortSha(applied)} until it is healthy)` : ''}`);
    // Read while the image builds (a git process the deploy would otherwise wait for once the build is done).
    const reading = readAppSettings(gitdir, d.commit).then(
      (settings) => ({ ok: true as const, settings }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    // Of several pushes to one ref while builds queue, only the newest is built: an older one leaves the queue.
    const stillWanted = async () => (await refs.fresh(env.ref)) === d.commit;
    const build = await ensureBuild(deps, app, d.commit, { signal, stillWanted, ...(moved ? { moved } : {}) });
    store.deployments.update(d.id, { buildId: build.buildId });
    if (!build.ok && build.superseded) {
      log.line(`${shortSha(d.commit)} not built: ${env.ref} moved on to a newer commit while it waited for a build slot`);
      finish(deps, d, 'superseded', { reason: `${env.ref} moved on before its build started` });
      return { status: 'superseded' };
    }
    if (!build.ok) return fail(`the build failed: ${build.error}`, build.needsPerson);
    // After a build (which takes a while), the ref may have moved on; a build reused at once took no time.
    if (build.builtNow && (await refs.fresh(env.ref)) !== d.commit) {
      log.line(`${env.ref} moved on while building: superseded`);
      finish(deps, d, 'superseded', { reason: `${env.ref} moved on` });
      return { status: 'superseded' };
    }
    store.deployments.update(d.id, { image: build.image });
    store.deployments.start(d.id, 'deploying');
    emitStatus(deps, d, 'deploying');
    const read = await reading;
    if (!read.ok) return fail(messageOf(read.error), true);
    const { settings } = read;
    const result = await runtime.deploy(
      {
        app,
        environment: env,
        commit: d.commit,
        image: build.image,
        settings,
        secrets: secretValues(deps, app, env.branch?.basis ?? env.name),
        deploymentId: d.id,
        domains: store.domains.listForApp(app).flatMap((r) => (r.environment === env.name ? [r.domain] : [])),
      },
      (line) => log.line(line),
      signal,
    );
    if (!result.ok) {
      // A deploy cut short (shutdown, the app being deleted) is not the app's fault; a failing health check is.
      return fail(`${result.reason}${result.logTail ? `\n--- container log ---\n${result.logTail}` : ''}`, !(signal?.aborted ?? false));
    }
    store.deployments.replaceLive(app, env.name, d.id);
    finish(deps, d, 'live', { appliedCommit: d.commit }, env);
    log.line(`live at ${environmentUrl(config, env, app)}`);
    return { status: 'live', instance: result.instance };
  } catch (e) {
    // Docker went away, a shutdown or a delete cut it short: classified once, in src/shared/classify-failure.ts.
    return fail(messageOf(e), needsPerson(e, signal?.aborted ?? false));
  } finally {
    refs.expire();
    log.close();
  }
}

function finish(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events'>,
  d: DeploymentRecord,
  status: 'live' | 'failed' | 'superseded',
  fields: { appliedCommit?: string | null; reason?: string; needsPerson?: number },
  environment?: EnvironmentDef,
): void {
  deps.store.deployments.finish(d.id, status, fields);
  emitStatus(deps, d, status, fields.reason, environment);
}

/** `environment`: the deployment's (a branch preview's is not among the files'). */
function emitStatus(deps: Pick<PipelineDeps, 'config' | 'events'>, d: DeploymentRecord, status: string, reason?: string, environment?: EnvironmentDef): void {
  const env = environment ?? deps.config.environments.find((e) => e.name === d.environment);
  deps.events.emit({
    type: 'deployment',
    app: d.app,
    deploymentId: d.id,
    environment: d.environment,
    commit: d.commit,
    status,
    ...(reason ? { reason } : {}),
    ...(env && status === 'live' ? { url: environmentUrl(deps.config, env, d.app) } : {}),
  });
}

/** The runtime serves something the records don't know as live (the database was lost or restored): record it. */
function adoptRunning(deps: Pick<PipelineDeps, 'config' | 'store'>, app: string, env: EnvironmentDef, actual: Instance): void {
  const d = deps.store.deployments.create({
    app,
    environment: env.name,
    commit: actual.commit,
    trigger: 'reconcile',
    previousCommit: null,
    logPath: (id) => logPath(deps.config.dataDir, 'deployments', id),
  });
  deps.store.deployments.update(d.id, { image: actual.image });
  deps.store.deployments.finish(d.id, 'live', { appliedCommit: actual.commit, reason: 'found running' });
}
