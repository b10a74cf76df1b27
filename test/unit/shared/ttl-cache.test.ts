import { describe, expect, it } from 'vitest';
import { createTtlCache } from '../../../src/shared/ttl-cache.js';

describe('createTtlCache', () => {
  it('answers from the cache within the time to live, and asks again after it', () => {
    let t = 0;
    let reads = 0;
    const cache = createTtlCache<string, number>({ ttlMs: 1000, now: () => t });
    const load = () => ++reads;
    expect(cache.get('a', load)).toBe(1);
    t = 999;
    expect(cache.get('a', load)).toBe(1);
    t = 1000;
    expect(cache.get('a', load)).toBe(2);
  });

  it('keeps no miss: what was not there is asked again at once', () => {
    const rows = new Map<string, string>();
    const cache = createTtlCache<string, string>({ ttlMs: 1000, now: () => 0 });
    expect(cache.get('d', (k) => rows.get(k))).toBeUndefined();
    rows.set('d', 'added');
    expect(cache.get('d', (k) => rows.get(k))).toBe('added');
  });

  it('forgets one key or all of them when told', () => {
    let n = 0;
    const cache = createTtlCache<string, number>({ ttlMs: 1000, now: () => 0 });
    cache.get('a', () => ++n);
    cache.get('b', () => ++n);
    cache.delete('a');
    expect(cache.get('a', () => ++n)).toBe(3);
    expect(cache.get('b', () => ++n)).toBe(2);
    cache.clear();
    expect(cache.get('b', () => ++n)).toBe(4);
  });

  it('stays within its size: the oldest entry goes first', () => {
    let n = 0;
    const cache = createTtlCache<string, number>({ ttlMs: 1000, maxEntries: 2, now: () => 0 });
    cache.get('a', () => ++n);
    cache.get('b', () => ++n);
    cache.get('c', () => ++n);
    expect(cache.get('b', () => 99)).toBe(2);
    expect(cache.get('a', () => 99)).toBe(99);
  });
});
