// The kept history: batches merge into the minute rows, ten-minute rows are rolled up from the minutes, old rows
// are pruned by age, and nothing is written per request.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latencyBucket, MINUTE_MS, pointValues, TEN_MINUTES_MS } from '../../../src/domain/traffic-series.js';
import { createTrafficRecorder, KEEP_MINUTES_MS, KEEP_TEN_MINUTES_MS } from '../../../src/pipeline/traffic-recorder.js';
import { createStore, type Store } from '../../../src/store/create-store.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0);
let store: Store;

beforeEach(() => {
  store = createStore(':memory:');
  store.apps.insert({ name: 'shop', template: 'static-site', description: '', createdAt: new Date(T0).toISOString() });
});
afterEach(() => store.close());

describe('the traffic recorder', () => {
  it('writes nothing until a flush, then one row per environment and minute with what was collected', () => {
    const rec = createTrafficRecorder(store);
    for (let i = 0; i < 50; i++) rec.request('shop', 'preview', i < 5 ? 503 : 200, 20, T0 + 1000 + i);
    rec.request('shop', 'prod', 200, 300, T0 + MINUTE_MS + 5);
    expect(store.trafficHistory.list('shop', 'preview', 60, T0, T0 + TEN_MINUTES_MS)).toEqual([]);
    rec.flush(T0 + 2 * MINUTE_MS);
    const [preview] = store.trafficHistory.list('shop', 'preview', 60, T0, T0 + TEN_MINUTES_MS);
    expect(preview).toMatchObject({ start: T0, requests: 50, errors: 5 });
    expect(preview!.latency[latencyBucket(20)]).toBe(50);
    expect(store.trafficHistory.list('shop', 'prod', 60, T0, T0 + TEN_MINUTES_MS)).toMatchObject([{ start: T0 + MINUTE_MS, requests: 1 }]);
  });

  it('adds a later batch of the same minute to its row (and a restart is just another batch)', () => {
    const rec = createTrafficRecorder(store);
    rec.request('shop', 'preview', 200, 20, T0 + 1000);
    rec.flush(T0 + 15_000);
    rec.request('shop', 'preview', 500, 2000, T0 + 20_000);
    rec.memory('shop', 'preview', 64 * 1048576, T0 + 30_000);
    createTrafficRecorder(store).flush(T0 + 30_000); // another recorder, nothing collected: changes nothing
    rec.flush(T0 + 45_000);
    const [row] = store.trafficHistory.list('shop', 'preview', 60, T0, T0 + MINUTE_MS);
    expect(row).toMatchObject({ requests: 2, errors: 1, memoryBytes: 64 * 1048576 });
    expect(pointValues(row!).p95Ms).toBeGreaterThan(1000);
  });

  it('keeps the ten-minute rows equal to the sum of their minutes as minutes come in', () => {
    const rec = createTrafficRecorder(store);
    for (let m = 0; m < 12; m++) {
      for (let i = 0; i <= m; i++) rec.request('shop', 'preview', 200, 20, T0 + m * MINUTE_MS + i);
      rec.flush(T0 + m * MINUTE_MS + 30_000);
    }
    const tens = store.trafficHistory.list('shop', 'preview', 600, T0, T0 + 2 * TEN_MINUTES_MS);
    // 1 + 2 + … + 10 in the first ten minutes, 11 + 12 in the next.
    expect(tens.map((p) => [p.start, p.requests])).toEqual([
      [T0, 55],
      [T0 + TEN_MINUTES_MS, 23],
    ]);
    expect(store.trafficHistory.requests('shop', 600, T0)).toEqual([
      { start: T0, requests: 55 },
      { start: T0 + TEN_MINUTES_MS, requests: 23 },
    ]);
  });

  it('prunes minutes after 24 hours and ten-minute rows after 14 days', () => {
    const rec = createTrafficRecorder(store);
    rec.request('shop', 'preview', 200, 20, T0);
    rec.flush(T0 + 1000);
    rec.flush(T0 + KEEP_MINUTES_MS + MINUTE_MS);
    expect(store.trafficHistory.list('shop', 'preview', 60, T0, T0 + MINUTE_MS)).toEqual([]);
    expect(store.trafficHistory.list('shop', 'preview', 600, T0, T0 + TEN_MINUTES_MS)).toHaveLength(1);
    rec.flush(T0 + KEEP_TEN_MINUTES_MS + TEN_MINUTES_MS);
    expect(store.trafficHistory.list('shop', 'preview', 600, T0, T0 + TEN_MINUTES_MS)).toEqual([]);
  });

  it("drops what it collected for an app deleted meanwhile, and still writes the other apps'", () => {
    store.apps.insert({ name: 'blog', template: 'static-site', description: '', createdAt: new Date(T0).toISOString() });
    const rec = createTrafficRecorder(store);
    rec.request('gone', 'preview', 200, 20, T0);
    rec.request('blog', 'preview', 200, 20, T0);
    expect(rec.flush(T0 + 1000)).toBe(2); // blog's minute and its ten minutes
    expect(store.trafficHistory.list('blog', 'preview', 60, T0, T0 + MINUTE_MS)).toHaveLength(1);
  });
});
