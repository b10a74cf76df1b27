// The kept traffic history of each environment (requests, 5xx, latency histogram, memory) at one-minute and
// ten-minute steps: written in batches by the traffic recorder, read by the app page's charts and the home cards.
import { emptyLatency, type TrafficPoint } from '../domain/traffic-series.js';
import type { Db } from './open-database.js';

/** Seconds per step: one minute (kept 24 h) and ten minutes (kept 14 days). */
export type HistoryStep = 60 | 600;

export interface TrafficRow {
  app: string;
  environment: string;
  step: HistoryStep;
  point: TrafficPoint;
}

interface Row {
  start: number;
  requests: number;
  errors: number;
  latency: string;
  memory_bytes: number | null;
}

function toPoint(r: Row): TrafficPoint {
  const parsed = JSON.parse(r.latency) as number[];
  const latency = emptyLatency().map((_, i) => parsed[i] ?? 0);
  return { start: r.start * 1000, requests: r.requests, errors: r.errors, latency, memoryBytes: r.memory_bytes };
}

export interface TrafficHistoryStore {
  /** Writes the rows in one transaction, replacing what a row of the same step and start held. */
  put(rows: readonly TrafficRow[]): void;
  /** One environment's points of a step with `from <= start < to` (ms), oldest first. */
  list(app: string, environment: string, step: HistoryStep, from: number, to: number): TrafficPoint[];
  /** Requests of all an app's environments per step from `from` (ms), oldest first (the home page's sparkline). */
  requests(app: string, step: HistoryStep, from: number): { start: number; requests: number }[];
  /** Removes the rows of a step that started before `before` (ms); returns how many. */
  prune(step: HistoryStep, before: number): number;
}

export function createTrafficHistoryStore(db: Db): TrafficHistoryStore {
  const upsert = db.prepare(
    `INSERT INTO traffic_history (app, environment, step, start, requests, errors, latency, memory_bytes)
     VALUES (@app, @environment, @step, @start, @requests, @errors, @latency, @memoryBytes)
     ON CONFLICT (app, step, start, environment) DO UPDATE SET
       requests = excluded.requests, errors = excluded.errors, latency = excluded.latency, memory_bytes = excluded.memory_bytes`,
  );
  const list = db.prepare<[string, string, number, number, number], Row>(
    'SELECT start, requests, errors, latency, memory_bytes FROM traffic_history WHERE app = ? AND environment = ? AND step = ? AND start >= ? AND start < ? ORDER BY start',
  );
  const requests = db.prepare<[string, number, number], { start: number; requests: number }>(
    'SELECT start, SUM(requests) AS requests FROM traffic_history WHERE app = ? AND step = ? AND start >= ? GROUP BY start ORDER BY start',
  );
  const prune = db.prepare('DELETE FROM traffic_history WHERE step = ? AND start < ?');
  const put = db.transaction((rows: readonly TrafficRow[]) => {
    for (const { app, environment, step, point } of rows)
      upsert.run({
        app,
        environment,
        step,
        start: Math.floor(point.start / 1000),
        requests: point.requests,
        errors: point.errors,
        latency: JSON.stringify(point.latency),
        memoryBytes: point.memoryBytes,
      });
  });
  return {
    put: (rows) => put(rows),
    list: (app, environment, step, from, to) => list.all(app, environment, step, Math.floor(from / 1000), Math.ceil(to / 1000)).map(toPoint),
    requests: (app, step, from) => requests.all(app, step, Math.floor(from / 1000)).map((r) => ({ start: r.start * 1000, requests: r.requests })),
    prune: (step, before) => prune.run(step, Math.floor(before / 1000)).changes,
  };
}
