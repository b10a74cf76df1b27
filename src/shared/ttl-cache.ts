// A small read-through cache whose entries are trusted for a short time: for values asked on every proxied request
// (an app's existence, a custom domain's route, an app's access setting) that another process (the CLI) may change
// without telling this one. In this process the writer clears the entry at once; other processes are seen within
// the time to live.
export interface TtlCache<K, V> {
  /** The cached value, or `load`'s (cached unless it is undefined: a miss is asked again next time). */
  get(key: K, load: (key: K) => V | undefined): V | undefined;
  delete(key: K): void;
  clear(): void;
}

export function createTtlCache<K, V>(options: { ttlMs: number; maxEntries?: number; now?: () => number }): TtlCache<K, V> {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? 10_000;
  const entries = new Map<K, { value: V; until: number }>();
  return {
    get(key, load) {
      const t = now();
      const hit = entries.get(key);
      if (hit && hit.until > t) return hit.value;
      const value = load(key);
      if (value === undefined) entries.delete(key);
      else {
        // Bounded: hosts come from clients, so a flood of names must not grow the map without end.
        if (!hit && entries.size >= max) entries.delete(entries.keys().next().value as K);
        entries.set(key, { value, until: t + options.ttlMs });
      }
      return value;
    },
    delete: (key) => void entries.delete(key),
    clear: () => entries.clear(),
  };
}
