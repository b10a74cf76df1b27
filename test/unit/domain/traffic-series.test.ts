import { describe, expect, it } from 'vitest';
import {
  emptyPoint,
  fillSeries,
  latencyBucket,
  latencyPercentile,
  LATENCY_BOUNDS_MS,
  MINUTE_MS,
  pointValues,
  rollUp,
  TEN_MINUTES_MS,
  type TrafficPoint,
} from '../../../src/domain/traffic-series.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0); // a ten-minute boundary

/** A minute with `requests` answered in `ms` each, `errors` of them 5xx. */
function minute(i: number, requests: number, ms: number, errors = 0, memoryBytes: number | null = null): TrafficPoint {
  const p = emptyPoint(T0 + i * MINUTE_MS);
  p.requests = requests;
  p.errors = errors;
  p.latency[latencyBucket(ms)] = requests;
  p.memoryBytes = memoryBytes;
  return p;
}

describe('latency histogram', () => {
  it('puts a duration in the first bucket whose bound holds it, and the slowest past the last bound', () => {
    expect(latencyBucket(0.3)).toBe(0);
    expect(latencyBucket(5)).toBe(0);
    expect(latencyBucket(5.1)).toBe(1);
    expect(latencyBucket(99_999)).toBe(LATENCY_BOUNDS_MS.length);
  });

  it('interpolates a percentile inside its bucket, as histogram_quantile does', () => {
    const p = emptyPoint(T0);
    p.latency[latencyBucket(20)] = 100; // all in (10, 25]
    expect(latencyPercentile(p.latency, 0.5)).toBe(17.5);
    expect(latencyPercentile(p.latency, 0.95)).toBe(24.3);
    expect(latencyPercentile(emptyPoint(T0).latency, 0.95)).toBeNull();
  });

  it('a p95 in the unbounded bucket is the last bound, never infinity', () => {
    const p = emptyPoint(T0);
    p.latency[LATENCY_BOUNDS_MS.length] = 10;
    expect(latencyPercentile(p.latency, 0.95)).toBe(10_000);
  });
});

describe('rollUp', () => {
  it('sums minutes into ten minutes: counts add up, latency buckets merge, memory is the peak', () => {
    const minutes = [minute(0, 10, 20, 1, 100), minute(3, 30, 300, 0, 250), minute(9, 60, 20, 6, null), minute(10, 5, 20)];
    const rolled = rollUp(minutes, TEN_MINUTES_MS);
    expect(rolled.map((p) => p.start)).toEqual([T0, T0 + TEN_MINUTES_MS]);
    const [first, second] = rolled;
    expect(first).toMatchObject({ requests: 100, errors: 7, memoryBytes: 250 });
    expect(first!.latency[latencyBucket(20)]).toBe(70);
    expect(first!.latency[latencyBucket(300)]).toBe(30);
    expect(second).toMatchObject({ requests: 5, errors: 0, memoryBytes: null });
  });

  it("takes a longer step's p95 from the requests, not from averaging the minutes' p95", () => {
    // 95 fast requests in one minute, 5 slow in another: the ten minutes' p95 is fast, their average p95 would not be.
    const rolled = rollUp([minute(0, 95, 20), minute(1, 5, 2000)], TEN_MINUTES_MS)[0]!;
    expect(pointValues(rolled).p95Ms).toBeLessThanOrEqual(25);
    expect(pointValues(minute(1, 5, 2000)).p95Ms).toBeGreaterThan(1000);
  });
});

describe('fillSeries', () => {
  it('returns every step of the window, those without a record empty (0 requests, no memory)', () => {
    const filled = fillSeries([minute(2, 4, 20, 0, 64)], T0, T0 + 5 * MINUTE_MS, MINUTE_MS);
    expect(filled.map((p) => p.requests)).toEqual([0, 0, 4, 0, 0]);
    expect(filled.map((p) => p.memoryBytes)).toEqual([null, null, 64, null, null]);
  });

  it('leaves out points outside the window', () => {
    expect(fillSeries([minute(-1, 9, 20), minute(6, 9, 20)], T0, T0 + 5 * MINUTE_MS, MINUTE_MS).every((p) => p.requests === 0)).toBe(true);
  });
});

describe('pointValues', () => {
  it('gives the error rate in per cent, and none without requests', () => {
    expect(pointValues(minute(0, 8, 20, 2)).errorRate).toBe(25);
    expect(pointValues(emptyPoint(T0)).errorRate).toBeNull();
  });
});
