// When retention runs: after a deployment or a job run of an app ends (the moments something new is kept), at
// start-up and every ten minutes for every app, and on demand. One run at a time per app, under the app's lock
// shared (deleting an app waits for it); runs asked for meanwhile become one more run after it.
import { messageOf } from '../shared/errors.js';
import type { AppLocks } from './app-locks.js';
import { applyRetention, type RetentionDeps, type RetentionOutcome } from './apply-retention.js';
import type { PipelineDeps } from './deps.js';
import { auditCutoff } from '../domain/plan-retention.js';

export interface Retention {
  /** Follows the pipeline's events and runs over every app now and on a timer (not while the pipeline is paused). */
  start(): void;
  /** Applies retention to one app (or every app) now, after the run already under way; resolves with what it did. */
  run(app?: string): Promise<RetentionOutcome[]>;
  /** Stops following, cuts short what runs and waits for it. */
  stop(): Promise<void>;
}

/** A safety net: the events already run retention whenever something is added. */
const INTERVAL_MS = 10 * 60_000;

export function createRetention(deps: RetentionDeps & Pick<PipelineDeps, 'events'>, locks: AppLocks): Retention {
  const log = deps.log.child('retention');
  const stopping = new AbortController();
  /** The last run of each app, and a run asked for but not started yet (which later asks join). */
  const tails = new Map<string, Promise<unknown>>();
  const waiting = new Map<string, Promise<RetentionOutcome>>();
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe = (): void => undefined;

  function schedule(app: string): Promise<RetentionOutcome> {
    const queued = waiting.get(app);
    if (queued) return queued;
    const run = (tails.get(app) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        waiting.delete(app);
        stopping.signal.throwIfAborted();
        return locks.shared(app, () => applyRetention(deps, app, stopping.signal));
      });
    waiting.set(app, run);
    const tail = run.catch(() => undefined);
    tails.set(app, tail);
    void tail.then(() => {
      if (tails.get(app) === tail) tails.delete(app);
    });
    return run;
  }

  function soon(app: string): void {
    schedule(app).catch((e: unknown) => {
      if (!stopping.signal.aborted) log.warn('retention failed; it is tried again after the next deployment or in ten minutes', { app, error: messageOf(e) });
    });
  }

  // The audit log and spent sign-in links are installation-wide: pruned with every run over all apps.
  const pruneRecords = (): number => {
    const cutoff = auditCutoff(new Date(), deps.config.retention.keepAuditDays);
    const removed = deps.store.audit.prune(cutoff);
    deps.store.signInLinks.prune(new Date().toISOString());
    if (removed > 0) log.info('removed old audit entries', { removed, before: cutoff });
    return removed;
  };
  const everyApp = () => {
    try {
      pruneRecords();
    } catch (e) {
      log.warn('could not prune the audit log; it is tried again in ten minutes', { error: messageOf(e) });
    }
    for (const a of deps.store.apps.list()) soon(a.name);
  };

  return {
    start() {
      if (deps.config.pipeline.paused || stopping.signal.aborted) return;
      unsubscribe = deps.events.subscribe('*', (e) => {
        const ended = (e.type === 'deployment' && ['live', 'failed', 'superseded'].includes(e.status)) || (e.type === 'job-run' && e.status !== 'running');
        if (ended) soon(e.app);
      });
      everyApp();
      timer = setInterval(everyApp, INTERVAL_MS);
      timer.unref();
    },
    run: async (app) => {
      if (!app) pruneRecords();
      return Promise.all((app ? [app] : deps.store.apps.list().map((a) => a.name)).map(schedule));
    },
    async stop() {
      stopping.abort(new Error('Slipway is shutting down'));
      clearInterval(timer);
      unsubscribe();
      await Promise.allSettled([...tails.values()]);
    },
  };
}
