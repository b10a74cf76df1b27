import { describe, expect, it } from 'vitest';
import { planRetention, type LogFacts, type RetentionFacts } from '../../../src/domain/plan-retention.js';

const sha = (n: number) => n.toString(16).padStart(40, '0');
/** Commits 1…n built in order: the newest build first, as the store lists them. */
const built = (n: number, removed: number[] = []) => Array.from({ length: n }, (_, i) => n - i).map((c) => ({ commit: sha(c), removed: removed.includes(c) }));
const noLogs = { builds: [], deployments: [], jobs: [] };
const facts = (over: Partial<RetentionFacts>): RetentionFacts => ({
  inUse: [],
  releases: [],
  productionCommit: null,
  images: [],
  logs: noLogs,
  ...over,
});
const limits = { keepReleases: 2, keepBuilds: 3, keepLogs: 2 };

describe('planRetention: images', () => {
  it('keeps the newest builds and removes the rest, newest first', () => {
    const plan = planRetention(facts({ images: built(6) }), limits);
    expect(plan.keep).toEqual([6, 5, 4].map((c) => ({ commit: sha(c), reasons: ['recent build'] })));
    expect(plan.remove).toEqual([sha(3), sha(2), sha(1)]);
  });

  it('keeps what an environment runs or deploys, however old', () => {
    const plan = planRetention(facts({ images: built(6), inUse: [sha(1), sha(6)] }), limits);
    expect(plan.keep).toContainEqual({ commit: sha(1), reasons: ['runs'] });
    expect(plan.keep).toContainEqual({ commit: sha(6), reasons: ['runs', 'recent build'] });
    expect(plan.remove).toEqual([sha(3), sha(2)]);
  });

  it('keeps the newest releases besides the one production runs', () => {
    // v4 runs (commit 8); v3, v2 are kept; v1 is not, being older than the two newest others.
    const releases = [
      { tag: 'v4', commit: sha(8) },
      { tag: 'v3', commit: sha(6) },
      { tag: 'v2', commit: sha(4) },
      { tag: 'v1', commit: sha(2) },
    ];
    const plan = planRetention(facts({ images: built(12), inUse: [sha(8), sha(12)], releases, productionCommit: sha(8) }), limits);
    expect(plan.keep.map((k) => k.commit)).toEqual([12, 11, 10, 8, 6, 4].map(sha));
    expect(plan.keep.find((k) => k.commit === sha(6))?.reasons).toEqual(['release']);
    expect(plan.remove).toEqual([9, 7, 5, 3, 2, 1].map(sha));
  });

  it('after a rollback keeps the releases production went back from', () => {
    const releases = [5, 4, 3, 2, 1].map((n) => ({ tag: `v${n}`, commit: sha(n) }));
    const plan = planRetention(facts({ images: built(5), inUse: [sha(2)], releases, productionCommit: sha(2) }), { ...limits, keepBuilds: 0 });
    expect(plan.keep.map((k) => k.commit)).toEqual([sha(5), sha(4), sha(2)]);
    expect(plan.remove).toEqual([sha(3), sha(1)]);
  });

  it('counts removed images among the newest builds, and never removes one twice', () => {
    // Commit 9 was removed once and is not rebuilt: it still takes a place among the 3 newest builds.
    const plan = planRetention(facts({ images: built(9, [9, 2, 1]) }), limits);
    expect(plan.keep.map((k) => k.commit)).toEqual([sha(8), sha(7)]);
    expect(plan.remove).toEqual([6, 5, 4, 3].map(sha));
  });

  it('with every limit at zero keeps only what is in use', () => {
    const plan = planRetention(facts({ images: built(3), inUse: [sha(2)], releases: [{ tag: 'v1', commit: sha(1) }] }), {
      keepReleases: 0,
      keepBuilds: 0,
      keepLogs: 1,
    });
    expect(plan.keep).toEqual([{ commit: sha(2), reasons: ['runs'] }]);
    expect(plan.remove).toEqual([sha(3), sha(1)]);
  });
});

describe('planRetention: logs', () => {
  const log = (id: string, over: Partial<LogFacts> = {}): LogFacts => ({ id, open: false, live: false, removed: false, ...over });

  it('keeps the newest logs of each kind, and those still written or serving', () => {
    const plan = planRetention(
      facts({
        logs: {
          builds: [log('b5'), log('b4'), log('b3'), log('b2', { live: true }), log('b1')],
          deployments: [log('d3'), log('d2'), log('d1', { live: true })],
          jobs: [log('j3', { open: true }), log('j2'), log('j1', { open: true })],
        },
      }),
      limits,
    );
    expect(plan.removeLogs).toEqual([
      { kind: 'builds', id: 'b3' },
      { kind: 'builds', id: 'b1' },
    ]);
  });

  it('does not remove a log twice', () => {
    const plan = planRetention(facts({ logs: { ...noLogs, deployments: [log('d3'), log('d2'), log('d1', { removed: true })] } }), limits);
    expect(plan.removeLogs).toEqual([]);
  });
});
