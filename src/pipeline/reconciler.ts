// The reconciler: the truth behind every hook. Recorded ref updates (and, with a runtime, each environment's
// desired commit against what runs) are converged one app at a time, different apps in parallel.
import type { PipelineDeps } from './deps.js';
import type { RefUpdateRecord } from '../store/ref-updates-store.js';
import { messageOf } from '../shared/errors.js';

export interface Reconciler {
  /** Runs a first pass (updates recorded while the server was down) and then one every interval. */
  start(): void;
  stop(): Promise<void>;
  /** Reconciles one app (or every app with pending work); resolves when that pass is done. */
  wake(app?: string): Promise<void>;
}

/** What a pass does with one recorded update; the build-and-deploy issue replaces the seam. */
export type ApplyUpdate = (update: RefUpdateRecord) => Promise<string>;

export function createReconciler(deps: PipelineDeps, apply: ApplyUpdate = describeUpdate(deps)): Reconciler {
  const log = deps.log.child('reconciler');
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function pass(app: string): Promise<void> {
    for (const update of deps.store.refUpdates.pending().filter((u) => u.app === app)) {
      if (stopped) return;
      let outcome: string;
      try {
        outcome = await apply(update);
      } catch (e) {
        // Left pending: the next pass (hook, timer or start-up) tries again.
        log.warn('could not process a ref update; will retry', { id: update.id, app, error: messageOf(e) });
        return;
      }
      if (deps.store.refUpdates.markProcessed(update.id, outcome)) log.info('ref update processed', { id: update.id, app, ref: update.ref, outcome });
    }
  }

  function schedule(app: string): Promise<void> {
    const current = running.get(app);
    if (current) {
      // A pass is under way: run once more after it, so nothing recorded meanwhile waits for the timer.
      again.add(app);
      return current;
    }
    const run = (async () => {
      do {
        again.delete(app);
        await pass(app);
      } while (again.has(app) && !stopped);
    })().finally(() => running.delete(app));
    running.set(app, run);
    return run;
  }

  async function wake(app?: string): Promise<void> {
    if (deps.config.pipeline.paused || stopped) return;
    const apps = app ? [app] : [...new Set(deps.store.refUpdates.pending().map((u) => u.app))];
    await Promise.all(apps.map(schedule));
  }

  return {
    start() {
      if (deps.config.pipeline.paused) {
        log.warn('the pipeline is paused (SLIPWAY_PIPELINE_PAUSED): ref updates are recorded, not processed');
        return;
      }
      void wake().catch((e: unknown) => log.error('start-up pass failed', { error: messageOf(e) }));
      timer = setInterval(() => void wake().catch((e: unknown) => log.error('timed pass failed', { error: messageOf(e) })), deps.config.pipeline.intervalMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await Promise.allSettled(running.values());
    },
    wake,
  };
}

function describeUpdate(deps: PipelineDeps): ApplyUpdate {
  return async (u) => {
    const short = u.newSha.slice(0, 12);
    switch (u.kind) {
      case 'preview':
      case 'production-move':
        return `would deploy ${short} to ${u.environment}`;
      case 'publish':
        return `would publish ${short} to ${u.environment}`;
      default:
        deps.log.debug('ignored ref update', { ref: u.ref });
        return 'ignored';
    }
  };
}
