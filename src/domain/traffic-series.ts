// An environment's traffic over time, as the UI charts it: per step (a minute, ten minutes, an hour) the requests,
// the 5xx errors, a latency histogram (so that p50/p95 of a longer step come from the requests themselves, never
// from averaging percentiles) and the container's memory. Pure: merging, rolling up, filling gaps, percentiles.

/** Upper bounds (ms) of the latency buckets; one more bucket holds everything slower than the last. */
export const LATENCY_BOUNDS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export const MINUTE_MS = 60_000;
export const TEN_MINUTES_MS = 10 * MINUTE_MS;
export const HOUR_MS = 60 * MINUTE_MS;

export interface TrafficPoint {
  /** Start of the step, ms since the epoch, a multiple of the step. */
  start: number;
  requests: number;
  /** Answers with a 5xx status (the app's, or the proxy's 502 when the app did not answer). */
  errors: number;
  /** Request counts per latency bucket: LATENCY_BOUNDS_MS.length + 1 entries. */
  latency: number[];
  /** The container's memory (working set, bytes): the largest sample of the step; null when none was taken. */
  memoryBytes: number | null;
}

export function emptyLatency(): number[] {
  return new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
}

export function emptyPoint(start: number): TrafficPoint {
  return { start, requests: 0, errors: 0, latency: emptyLatency(), memoryBytes: null };
}

/** The bucket a request of `ms` falls in. */
export function latencyBucket(ms: number): number {
  const i = LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return i === -1 ? LATENCY_BOUNDS_MS.length : i;
}

/**
 * The q-quantile (0..1) of a latency histogram in ms, interpolated linearly inside its bucket as Prometheus'
 * histogram_quantile does; null without requests. A quantile in the last (unbounded) bucket is its lower bound.
 */
export function latencyPercentile(latency: readonly number[], q: number): number | null {
  const total = latency.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < latency.length; i++) {
    const count = latency[i] ?? 0;
    if (count > 0 && seen + count >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!;
      const upper = LATENCY_BOUNDS_MS[i];
      if (upper === undefined) return lower;
      return round(lower + (upper - lower) * ((rank - seen) / count));
    }
    seen += count;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
}

/** Two records of the same step added up (memory: the larger sample). */
export function mergePoints(a: TrafficPoint, b: TrafficPoint): TrafficPoint {
  return {
    start: a.start,
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    latency: a.latency.map((n, i) => n + (b.latency[i] ?? 0)),
    memoryBytes: a.memoryBytes === null ? b.memoryBytes : b.memoryBytes === null ? a.memoryBytes : Math.max(a.memoryBytes, b.memoryBytes),
  };
}

/** The step a time falls in. */
export function stepStart(t: number, stepMs: number): number {
  return Math.floor(t / stepMs) * stepMs;
}

/** Points of a finer step summed into steps of `stepMs` (e.g. minutes into ten minutes), oldest first. */
export function rollUp(points: readonly TrafficPoint[], stepMs: number): TrafficPoint[] {
  const byStep = new Map<number, TrafficPoint>();
  for (const p of points) {
    const start = stepStart(p.start, stepMs);
    const had = byStep.get(start);
    byStep.set(start, had ? mergePoints(had, p) : mergePoints(emptyPoint(start), p));
  }
  return [...byStep.values()].sort((a, b) => a.start - b.start);
}

/**
 * Every step from `from` (inclusive) to `to` (exclusive), those without a record as empty points: no request is
 * zero requests, no memory sample is a gap. Points outside the window are left out.
 */
export function fillSeries(points: readonly TrafficPoint[], from: number, to: number, stepMs: number): TrafficPoint[] {
  const rolled = new Map(rollUp(points, stepMs).map((p) => [p.start, p]));
  const out: TrafficPoint[] = [];
  for (let start = stepStart(from, stepMs); start < to; start += stepMs) out.push(rolled.get(start) ?? emptyPoint(start));
  return out;
}

/** The four values a chart shows for a point (null: nothing to show, e.g. an error rate without requests). */
export interface PointValues {
  requests: number;
  /** Per cent of requests answered with a 5xx. */
  errorRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  memoryBytes: number | null;
}

export function pointValues(p: TrafficPoint): PointValues {
  return {
    requests: p.requests,
    errorRate: p.requests === 0 ? null : round((100 * p.errors) / p.requests),
    p50Ms: latencyPercentile(p.latency, 0.5),
    p95Ms: latencyPercentile(p.latency, 0.95),
    memoryBytes: p.memoryBytes,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
