// The reconciler: the truth behind every hook. It converges each app's environments (desired: their refs;
// actual: what the runtime serves) when a hook records an update, at start-up, on a timer and on demand —
// one app at a time (under the app's lock, shared with releases, exclusive for delete), different apps in
// parallel. Every step is idempotent, so a pass cut off by a crash is simply run again.
import { shortSha } from '../domain/types.js';
import { messageOf } from '../shared/errors.js';
import type { RefUpdateRecord } from '../store/ref-updates-store.js';
import type { AppLocks } from './app-locks.js';
import { convergeApp } from './converge-app.js';
import type { PipelineDeps } from './deps.js';
import { applyReleaseTag } from './move-production.js';

export interface Reconciler {
  /** Recovers from an earlier crash, then runs a first pass over every app and one every interval. */
  start(): Promise<void>;
  /** Stops taking work, cancels what runs and waits until every pass has recorded where it stopped. */
  stop(): Promise<void>;
  /** Reconciles one app (or every app); resolves when that pass is done. */
  wake(app?: string): Promise<void>;
  /** Cancels the app's running pass (its deploy stops and cleans up) and waits for it to end. */
  cancel(app: string): Promise<void>;
}

export function createReconciler(deps: PipelineDeps, locks: AppLocks, afterPass: (app: string) => Promise<void> = async () => undefined): Reconciler {
  const log = deps.log.child('reconciler');
  const running = new Map<string, { done: Promise<void>; abort: AbortController; moved: EventTarget }>();
  const again = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const stopping = new AbortController();
  // Half-started containers of deploys a crash cut off. When the runtime cannot be reached at start-up (a machine
  // that boots Slipway before Docker), they are removed once it answers, before any pass deploys again.
  let leftoversRemoved = false;
  let removingLeftovers: Promise<void> | undefined;

  /** Release tags pushed since the last pass move production (recorded first, so a crash loses none). */
  async function applyReleaseTags(updates: RefUpdateRecord[], signal: AbortSignal): Promise<void> {
    for (const u of updates.filter((x) => x.kind === 'publish')) {
      let outcome: string | null;
      try {
        outcome = await applyReleaseTag(deps, u, signal);
      } catch (e) {
        if (signal.aborted) return;
        outcome = `not published: ${messageOf(e)}`;
      }
      if (outcome === null) log.info('release tag waits for a build that will be retried', { app: u.app, ref: u.ref });
      else deps.store.refUpdates.markProcessed(u.id, outcome);
    }
  }

  function describe(app: string, u: RefUpdateRecord): string {
    if (!u.environment || u.kind === 'ignore') return 'ignored';
    const d = deps.store.deployments.latest(app, u.environment);
    return `${u.environment}: ${d ? `${d.status} ${shortSha(d.commit)}` : 'nothing deployed'}`;
  }

  async function pass(app: string, signal: AbortSignal, moved: EventTarget): Promise<void> {
    if (!deps.store.apps.get(app)) return;
    const pending = deps.store.refUpdates.pending().filter((u) => u.app === app);
    await applyReleaseTags(pending, signal);
    await convergeApp(deps, app, signal, (listener) => {
      moved.addEventListener('moved', listener);
      return () => moved.removeEventListener('moved', listener);
    });
    if (signal.aborted) return;
    for (const u of pending.filter((x) => x.kind !== 'publish')) {
      if (deps.store.refUpdates.markProcessed(u.id, describe(app, u))) log.info('ref update processed', { id: u.id, app, ref: u.ref });
    }
    await afterPass(app);
  }

  function schedule(app: string): Promise<void> {
    const current = running.get(app);
    if (current) {
      // A pass is under way: run once more after it, so nothing recorded meanwhile waits for the timer; and a build it
      // queued may no longer be wanted (a newer push to its ref): it asks, and leaves the queue if so.
      again.add(app);
      current.moved.dispatchEvent(new Event('moved'));
      return current.done;
    }
    const abort = new AbortController();
    const moved = new EventTarget();
    const signal = AbortSignal.any([abort.signal, stopping.signal]);
    const done = locks
      .shared(app, async () => {
        do {
          again.delete(app);
          try {
            await pass(app, signal, moved);
          } catch (e) {
            // Typically Docker or the cluster is unreachable: pending updates stay pending, the timer retries.
            if (!signal.aborted) log.warn('reconcile pass failed; will retry', { app, error: messageOf(e) });
          }
        } while (again.has(app) && !signal.aborted);
      })
      .finally(() => running.delete(app));
    running.set(app, { done, abort, moved });
    return done;
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
      stopping.abort(new Error('Slipway is shutting down'));
      if (timer) clearInterval(timer);
      await Promise.allSettled([...running.values()].map((r) => r.done));
    },
    wake,
    async cancel(app) {
      const r = running.get(app);
      if (!r) return;
      again.delete(app);
      r.abort.abort(new Error(`${app} is being deleted`));
      await r.done.catch(() => undefined);
    },
  };
}
