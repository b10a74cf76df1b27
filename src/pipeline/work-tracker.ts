// Work that runs on after the request that started it (generations, job runs): tracked, so that shutdown can
// stop taking more, cancel what runs and wait (bounded) until each has recorded where it stopped.

export interface WorkTracker {
  /** Aborted when shutdown begins: long work passes it on and records how it ended. */
  readonly signal: AbortSignal;
  /** Throws once shutdown has begun: no new work is taken. */
  checkOpen(): void;
  track<T>(work: Promise<T>): Promise<T>;
  /** Stops taking work, cancels it and waits up to `ms` for it to end; resolves with how many did not. */
  drain(ms: number): Promise<number>;
}

export function createWorkTracker(onClosed: () => Error): WorkTracker {
  const stopping = new AbortController();
  const running = new Set<Promise<unknown>>();
  return {
    signal: stopping.signal,
    checkOpen() {
      if (stopping.signal.aborted) throw onClosed();
    },
    track(work) {
      const settled = work.then(
        () => undefined,
        () => undefined,
      );
      running.add(settled);
      void settled.then(() => running.delete(settled));
      return work;
    },
    async drain(ms) {
      stopping.abort(new Error('Slipway is shutting down'));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
      await Promise.race([Promise.allSettled([...running]), timeout]);
      clearTimeout(timer);
      return running.size;
    },
  };
}
