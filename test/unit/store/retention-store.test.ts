import { describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../../src/store/create-store.js';

const at = '2026-01-01T00:00:00.000Z';
const sha = (c: string) => c.repeat(40);

function seeded(): Store {
  const store = createStore(':memory:');
  store.apps.insert({ name: 'shop', template: 'static-site', description: '', createdAt: at });
  return store;
}

function build(store: Store, commit: string, status: 'succeeded' | 'failed' = 'succeeded'): string {
  const b = store.builds.create({ app: 'shop', commit, image: `slipway/shop:${commit.slice(0, 12)}`, logPath: (id) => `/logs/builds/${id}.log` });
  store.builds.finish(b.id, { status });
  return b.id;
}

function deploy(store: Store, commit: string, status: 'live' | 'failed' | 'queued', buildId?: string): string {
  const d = store.deployments.create({
    app: 'shop',
    environment: 'preview',
    commit,
    trigger: 'push',
    previousCommit: null,
    logPath: (id) => `/logs/deployments/${id}.log`,
  });
  if (buildId) store.deployments.update(d.id, { buildId });
  if (status !== 'queued') store.deployments.finish(d.id, status);
  return d.id;
}

describe('retention store', () => {
  it('lists one image per successfully built commit, newest build first', () => {
    const store = seeded();
    build(store, sha('a'));
    build(store, sha('b'), 'failed');
    build(store, sha('c'));
    build(store, sha('a'));
    expect(store.retention.builtImages('shop').map((i) => [i.commit, i.removed])).toEqual([
      [sha('a'), false],
      [sha('c'), false],
    ]);
    store.close();
  });

  it('marks an image removed only while no deployment uses its commit, and can take the mark back', () => {
    const store = seeded();
    build(store, sha('a'));
    build(store, sha('b'));
    deploy(store, sha('a'), 'queued');
    expect(store.retention.markImageRemoved('shop', sha('a'))).toBeNull();
    const marked = store.retention.markImageRemoved('shop', sha('b'));
    expect(marked).not.toBeNull();
    expect(store.builds.latestFor('shop', sha('b'))?.imageRemovedAt).toBe(marked);
    expect(store.retention.markImageRemoved('shop', sha('b'))).toBeNull();
    store.retention.unmarkImageRemoved('shop', sha('b'), marked!);
    expect(store.builds.latestFor('shop', sha('b'))?.imageRemovedAt).toBeNull();
    expect([...store.retention.commitsInUse('shop')]).toEqual([sha('a')]);
    store.close();
  });

  it('lists log files newest first with whether they are written or serve, and marks them removed once', () => {
    const store = seeded();
    const b1 = build(store, sha('a'));
    const b2 = build(store, sha('b'));
    const d1 = deploy(store, sha('a'), 'live', b1);
    const d2 = deploy(store, sha('b'), 'failed', b2);
    const run = store.jobRuns.start({ app: 'shop', environment: 'preview', commit: sha('a'), trigger: 'manual', logPath: (id) => `/logs/jobs/${id}.log` });
    expect(store.retention.logFiles('shop', 'builds')).toEqual([
      { id: b2, path: `/logs/builds/${b2}.log`, open: false, live: false, removed: false },
      { id: b1, path: `/logs/builds/${b1}.log`, open: false, live: true, removed: false },
    ]);
    expect(store.retention.logFiles('shop', 'deployments').map((l) => [l.id, l.live])).toEqual([
      [d2, false],
      [d1, true],
    ]);
    expect(store.retention.logFiles('shop', 'jobs').map((l) => [l.id, l.open])).toEqual([[run.id, true]]);
    store.retention.markLogsRemoved('deployments', [d2]);
    const removedAt = store.deployments.get(d2)?.logRemovedAt;
    expect(removedAt).toMatch(/^\d{4}-/);
    store.retention.markLogsRemoved('deployments', [d2]);
    expect(store.deployments.get(d2)?.logRemovedAt).toBe(removedAt);
    expect(store.retention.logFiles('shop', 'deployments')[0]?.removed).toBe(true);
    store.close();
  });
});
