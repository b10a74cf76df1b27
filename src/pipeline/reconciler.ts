// The reconciler: the truth behind every hook. It converges each app's environments (desired: their refs;
// actual: what the runtime serves) when a hook records an update, at start-up, on a timer and on demand —
// one app at a time, different apps in parallel. Every step is idempotent, so a pass cut off by a crash is
// simply run again.
import { shortSha } from '../domain/types.js';
import { messageOf } from '../shared/errors.js';
import type { RefUpdateRecord } from '../store/ref-updates-store.js';
import { convergeApp } from './converge-app.js';
import type { PipelineDeps } from './deps.js';
import { checkPublishable, moveProduction } from './move-production.js';

export interface Reconciler {
  /** Recovers from an earlier crash, then runs a first pass over every app and one every interval. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Reconciles one app (or every app); resolves when that pass is done. */
  wake(app?: string): Promise<void>;
}

export function createReconciler(deps: PipelineDeps, afterPass: (app: string) => Promise<void> = async () => undefined): Reconciler {
  const log = deps.log.child('reconciler');
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const stopping = new AbortController();
  // Half-started containers of deploys a crash cut off. When the runtime cannot be reached at start-up (a machine
  // that boots Slipway before Docker), they are removed once it answers, before any pass deploys again.
  let leftoversRemoved = false;
  let removingLeftovers: Promise<void> | undefined;

  /** Release tags pushed since the last pass move production (recorded first, so a crash loses none). */
  async function applyPublishes(app: string, updates: RefUpdateRecord[]): Promise<void> {
    for (const u of updates.filter((x) => x.kind === 'publish')) {
      let outcome: string;
      try {
        checkPublishable(deps, app, u.newSha, { requireBuilt: false });
        await moveProduction(deps, app, u.newSha, 'publish', `publish ${u.ref.replace('refs/tags/', '')}`);
        outcome = `${u.environment ?? 'production'}: moved to ${shortSha(u.newSha)}`;
      } catch (e) {
        outcome = `not published: ${messageOf(e)}`;
      }
      deps.store.refUpdates.markProcessed(u.id, outcome);
    }
  }

  function describe(app: string, u: RefUpdateRecord): string {
    if (!u.environment || u.kind === 'ignore') return 'ignored';
    const d = deps.store.deployments.latest(app, u.environment);
    return `${u.environment}: ${d ? `${d.status} ${shortSha(d.commit)}` : 'nothing deployed'}`;
  }

  async function pass(app: string): Promise<void> {
    if (!deps.store.apps.get(app)) return;
    const pending = deps.store.refUpdates.pending().filter((u) => u.app === app);
    await applyPublishes(app, pending);
    await convergeApp(deps, app, stopping.signal);
    for (const u of pending.filter((x) => x.kind !== 'publish')) {
      if (deps.store.refUpdates.markProcessed(u.id, describe(app, u))) log.info('ref update processed', { id: u.id, app, ref: u.ref });
    }
    await afterPass(app);
  }

  function schedule(app: string): Promise<void> {
    if (running.has(app)) {
      // A pass is under way: run once more after it, so nothing recorded meanwhile waits for the timer.
      again.add(app);
      return running.get(app)!;
    }
    const run = (async () => {
      do {
        again.delete(app);
        try {
          await pass(app);
        } catch (e) {
          // Typically Docker or the cluster is unreachable: pending updates stay pending, the timer retries.
          log.warn('reconcile pass failed; will retry', { app, error: messageOf(e) });
        }
      } while (again.has(app) && !stopping.signal.aborted);
    })().finally(() => running.delete(app));
    running.set(app, run);
    return run;
  }

  async function wake(app?: string): Promise<void> {
    if (deps.config.pipeline.paused || stopping.signal.aborted) return;
    // Only while no pass runs: a pass's own candidate container is not a leftover.
    if (!leftoversRemoved && (removingLeftovers || running.size === 0)) {
      removingLeftovers ??= removeLeftovers()
        .catch((e: unknown) => log.debug('the runtime still cannot be reached; leftovers stay for now', { error: messageOf(e) }))
        .finally(() => (removingLeftovers = undefined));
      await removingLeftovers;
    }
    const apps = app ? [app] : deps.store.apps.list().map((a) => a.name);
    await Promise.all(apps.map(schedule));
  }

  /** What a crash left behind: records that say building/deploying, and half-started containers. */
  async function recover(): Promise<void> {
    const reason = 'interrupted by a restart of Slipway; retried';
    const builds = deps.store.builds.failInterrupted(reason);
    const deployments = deps.store.deployments.failInterrupted(reason);
    const runs = deps.store.jobRuns.failInterrupted();
    const generations = deps.store.generations.failInterrupted();
    if (builds + deployments + runs + generations > 0) log.warn('recovered interrupted work', { builds, deployments, runs, generations });
    try {
      await removeLeftovers();
    } catch (e) {
      log.warn('could not clean up the runtime; will retry once it answers', { error: messageOf(e) });
    }
  }

  async function removeLeftovers(): Promise<void> {
    const removed = await deps.runtime.removeStale((id) => deps.store.deployments.isActive(id));
    leftoversRemoved = true;
    if (removed > 0) log.info('removed leftovers of interrupted deploys', { removed });
  }

  return {
    async start() {
      if (deps.config.pipeline.paused) {
        log.warn('the pipeline is paused (SLIPWAY_PIPELINE_PAUSED): ref updates are recorded, not processed');
        return;
      }
      await recover();
      void wake();
      timer = setInterval(() => void wake(), deps.config.pipeline.intervalMs);
      timer.unref();
    },
    async stop() {
      stopping.abort();
      if (timer) clearInterval(timer);
      await Promise.allSettled(running.values());
    },
    wake,
  };
}
