// The kept traffic history: what the proxy reports is added up in memory per app, environment and minute, and
// written in batches (one transaction per flush, never per request), with the ten-minute roll-up of the minutes
// it touched and the pruning of what is older than each step keeps (24 h of minutes, 14 days of ten minutes).
import { emptyPoint, HOUR_MS, latencyBucket, mergePoints, MINUTE_MS, rollUp, stepStart, TEN_MINUTES_MS, type TrafficPoint } from '../domain/traffic-series.js';
import type { Store } from '../store/create-store.js';
import type { TrafficRow } from '../store/traffic-history-store.js';

export const KEEP_MINUTES_MS = 24 * HOUR_MS;
export const KEEP_TEN_MINUTES_MS = 14 * 24 * HOUR_MS;

export interface TrafficRecorder {
  /** One answered request (status null: the client left before the answer was complete). */
  request(app: string, environment: string, status: number | null, durationMs: number, at?: number): void;
  /** A memory sample of an environment's container. */
  memory(app: string, environment: string, bytes: number, at?: number): void;
  /** Writes what was collected since the last flush, rolls it up and prunes; returns the rows written. */
  flush(now?: number): number;
}

export function createTrafficRecorder(store: Pick<Store, 'apps' | 'trafficHistory' | 'transaction'>): TrafficRecorder {
  let pending = new Map<string, { app: string; environment: string; point: TrafficPoint }>();
  const pointFor = (app: string, environment: string, at: number): TrafficPoint => {
    const start = stepStart(at, MINUTE_MS);
    const key = `${app}\u0000${environment}\u0000${start}`;
    let entry = pending.get(key);
    if (!entry) pending.set(key, (entry = { app, environment, point: emptyPoint(start) }));
    return entry.point;
  };

  return {
    request(app, environment, status, durationMs, at = Date.now()) {
      const p = pointFor(app, environment, at);
      p.requests += 1;
      if (status !== null && status >= 500) p.errors += 1;
      const bucket = latencyBucket(durationMs);
      p.latency[bucket] = (p.latency[bucket] ?? 0) + 1;
    },
    memory(app, environment, bytes, at = Date.now()) {
      const p = pointFor(app, environment, at);
      p.memoryBytes = Math.max(p.memoryBytes ?? 0, bytes);
    },
    flush(now = Date.now()) {
      const batch = [...pending.values()];
      pending = new Map();
      return store.transaction(() => {
        const rows: TrafficRow[] = [];
        // An app deleted meanwhile has no rows to add to (its history went with it).
        const live = batch.filter((b) => store.apps.get(b.app) !== undefined);
        for (const b of live) {
          const [had] = store.trafficHistory.list(b.app, b.environment, 60, b.point.start, b.point.start + MINUTE_MS);
          rows.push({ app: b.app, environment: b.environment, step: 60, point: had ? mergePoints(had, b.point) : b.point });
        }
        store.trafficHistory.put(rows);
        // Each ten minutes touched is rolled up again from all its minutes (idempotent: a later flush of the same
        // window replaces the row).
        const windows = new Map<string, { app: string; environment: string; start: number }>();
        for (const b of live) {
          const start = stepStart(b.point.start, TEN_MINUTES_MS);
          windows.set(`${b.app}\u0000${b.environment}\u0000${start}`, { app: b.app, environment: b.environment, start });
        }
        const rolled: TrafficRow[] = [];
        for (const w of windows.values()) {
          const minutes = store.trafficHistory.list(w.app, w.environment, 60, w.start, w.start + TEN_MINUTES_MS);
          for (const point of rollUp(minutes, TEN_MINUTES_MS)) rolled.push({ app: w.app, environment: w.environment, step: 600, point });
        }
        store.trafficHistory.put(rolled);
        store.trafficHistory.prune(60, now - KEEP_MINUTES_MS);
        store.trafficHistory.prune(600, now - KEEP_TEN_MINUTES_MS);
        return rows.length + rolled.length;
      });
    },
  };
}
