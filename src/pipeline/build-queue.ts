// At most SLIPWAY_BUILD_CONCURRENCY builds at once, every builder (Docker's, BuildKit's Jobs) behind this one FIFO
// queue: 20 pushes at the same moment then share the cores in turn instead of all at once (each twenty times
// slower, and the last one live no sooner). A waiting build knows its place, and leaves the queue when its signal
// aborts (the app deleted, a shutdown). Own code rather than p-limit or p-queue: neither tells a waiting task its
// position, which the push output shows.

/** Where a waiting build stands: `position` 1 is next. */
export interface QueuePlace {
  position: number;
  /** How many builds wait, this one included. */
  waiting: number;
  /** How many builds run now. */
  running: number;
}

export interface BuildQueue {
  /**
   * Runs `task` once fewer than `limit` run and every build queued before it has started. `onWait` is called when
   * it has to wait and again whenever its place changes; never when it starts at once. Rejects with the signal's
   * reason (the task not started) when the signal aborts while it waits.
   */
  run<T>(task: () => Promise<T>, options?: { signal?: AbortSignal; onWait?: (place: QueuePlace) => void }): Promise<T>;
  /** How many run and how many wait now. */
  counts(): { running: number; waiting: number };
  readonly limit: number;
}

interface Waiter {
  start: () => void;
  onWait?: (place: QueuePlace) => void;
}

export function createBuildQueue(limit: number): BuildQueue {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a build queue needs a limit of 1 or more, not ${limit}`);
  const waiting: Waiter[] = [];
  let running = 0;

  /** Tells every waiting build its place (after one started or left). */
  function announce(): void {
    waiting.forEach((w, i) => w.onWait?.({ position: i + 1, waiting: waiting.length, running }));
  }

  function next(): void {
    let started = false;
    while (running < limit && waiting.length > 0) {
      running++;
      waiting.shift()!.start();
      started = true;
    }
    if (started) announce();
  }

  return {
    limit,
    counts: () => ({ running, waiting: waiting.length }),
    async run(task, options = {}) {
      const { signal, onWait } = options;
      signal?.throwIfAborted();
      if (running < limit && waiting.length === 0) running++;
      else {
        await new Promise<void>((resolve, reject) => {
          const waiter: Waiter = {
            start: () => {
              signal?.removeEventListener('abort', leave);
              resolve();
            },
            ...(onWait ? { onWait } : {}),
          };
          const leave = () => {
            const i = waiting.indexOf(waiter);
            if (i < 0) return;
            waiting.splice(i, 1);
            reject(signal!.reason as Error);
            announce();
          };
          signal?.addEventListener('abort', leave, { once: true });
          waiting.push(waiter);
          onWait?.({ position: waiting.length, waiting: waiting.length, running });
        });
      }
      try {
        return await task();
      } finally {
        running--;
        next();
      }
    },
  };
}
