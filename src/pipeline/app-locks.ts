// Per-app serialisation that every use case respects. Reconciler passes and releases (publish, rollback) take an
// app's lock shared — passes are already one at a time per app, and a release only moves a ref with a
// compare-and-swap — while releases also queue behind each other. Deleting an app takes it exclusively: it waits
// for the pass that is deploying the app (which it cancels first) and for any release, and nothing starts on the
// app until it is gone.

interface AppLock {
  shared: number;
  exclusive: boolean;
  waiting: { exclusive: boolean; wake: () => void }[];
}

export interface AppLocks {
  shared<T>(app: string, fn: () => Promise<T>): Promise<T>;
  exclusive<T>(app: string, fn: () => Promise<T>): Promise<T>;
  /** Shared with passes, one at a time among releases of the app. */
  release<T>(app: string, fn: () => Promise<T>): Promise<T>;
}

export function createAppLocks(): AppLocks {
  const locks = new Map<string, AppLock>();
  /** The tail of each app's queue of releases. */
  const releases = new Map<string, Promise<unknown>>();
  const lockOf = (app: string): AppLock => {
    let l = locks.get(app);
    if (!l) locks.set(app, (l = { shared: 0, exclusive: false, waiting: [] }));
    return l;
  };

  function admit(l: AppLock): void {
    // First come, first served; an exclusive waiter holds back the shared ones behind it.
    while (l.waiting.length > 0 && !l.exclusive) {
      const next = l.waiting[0]!;
      if (next.exclusive && l.shared > 0) return;
      l.waiting.shift();
      if (next.exclusive) l.exclusive = true;
      else l.shared++;
      next.wake();
      if (next.exclusive) return;
    }
  }

  async function hold<T>(app: string, exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    const l = lockOf(app);
    await new Promise<void>((wake) => {
      l.waiting.push({ exclusive, wake });
      admit(l);
    });
    try {
      return await fn();
    } finally {
      if (exclusive) l.exclusive = false;
      else l.shared--;
      admit(l);
      if (!l.exclusive && l.shared === 0 && l.waiting.length === 0) locks.delete(app);
    }
  }

  return {
    shared: (app, fn) => hold(app, false, fn),
    exclusive: (app, fn) => hold(app, true, fn),
    release(app, fn) {
      const run = (releases.get(app) ?? Promise.resolve()).then(() => hold(app, false, fn));
      const tail = run.catch(() => undefined);
      releases.set(app, tail);
      void tail.then(() => {
        if (releases.get(app) === tail) releases.delete(app);
      });
      return run;
    },
  };
}
