// The build queue (src/pipeline/build-queue.ts): at most `limit` builds at once, started in the order they came,
// each waiting one told its place as it changes, and one whose signal aborts leaves the queue without running.
// The push output of a build that waits (src/pipeline/receive-hooks.ts) is checked at the end.
import { afterEach, describe, expect, it } from 'vitest';
import { createBuildQueue, type QueuePlace } from '../../../src/pipeline/build-queue.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';

/** A task that runs until released; `started` says whether it began. */
function held() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const t = { started: false, release, task: async () => ((t.started = true), await gate, 'done') };
  return t;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('the build queue', () => {
  it('runs at most `limit` at once and starts the others first come, first served', async () => {
    const q = createBuildQueue(2);
    const tasks = Array.from({ length: 5 }, held);
    const order: number[] = [];
    const runs = tasks.map((t, i) => q.run(async () => (order.push(i), t.task())));
    await tick();
    expect(tasks.map((t) => t.started)).toEqual([true, true, false, false, false]);
    expect(q.counts()).toEqual({ running: 2, waiting: 3 });
    tasks[1]!.release();
    await tick();
    expect(tasks.map((t) => t.started)).toEqual([true, true, true, false, false]);
    tasks[0]!.release();
    tasks[2]!.release();
    await tick();
    await tick();
    expect(order).toEqual([0, 1, 2, 3, 4]);
    tasks[3]!.release();
    tasks[4]!.release();
    expect(await Promise.all(runs)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(q.counts()).toEqual({ running: 0, waiting: 0 });
  });

  it('tells a waiting build its place when it queues and each time it moves up; not one that starts at once', async () => {
    const q = createBuildQueue(1);
    const first = held();
    const second = held();
    const third = held();
    const places = { first: [] as QueuePlace[], second: [] as QueuePlace[], third: [] as QueuePlace[] };
    const runs = [
      q.run(first.task, { onWait: (p) => places.first.push(p) }),
      q.run(second.task, { onWait: (p) => places.second.push(p) }),
      q.run(third.task, { onWait: (p) => places.third.push(p) }),
    ];
    await tick();
    expect(places.first).toEqual([]);
    expect(places.second).toEqual([{ position: 1, waiting: 1, running: 1 }]);
    expect(places.third).toEqual([{ position: 2, waiting: 2, running: 1 }]);
    first.release();
    await tick();
    expect(second.started).toBe(true);
    expect(places.third.at(-1)).toEqual({ position: 1, waiting: 1, running: 1 });
    expect(places.second).toHaveLength(1); // started: no place any more
    second.release();
    third.release();
    await Promise.all(runs);
  });

  it('a build whose signal aborts while it waits leaves the queue unstarted, and the ones behind it move up', async () => {
    const q = createBuildQueue(1);
    const first = held();
    const second = held();
    const third = held();
    const abort = new AbortController();
    const thirdPlaces: QueuePlace[] = [];
    const r1 = q.run(first.task);
    const r2 = q.run(second.task, { signal: abort.signal });
    const r3 = q.run(third.task, { onWait: (p) => thirdPlaces.push(p) });
    await tick();
    abort.abort(new Error('shop is being deleted'));
    await expect(r2).rejects.toThrow('shop is being deleted');
    expect(thirdPlaces.at(-1)).toEqual({ position: 1, waiting: 1, running: 1 });
    first.release();
    third.release();
    await Promise.all([r1, r3]);
    expect(second.started).toBe(false);
    expect(q.counts()).toEqual({ running: 0, waiting: 0 });
  });

  it('a task that throws frees its slot for the next', async () => {
    const q = createBuildQueue(1);
    const failing = q.run(() => Promise.reject(new Error('Dockerfile broken')));
    const next = q.run(async () => 'built');
    await expect(failing).rejects.toThrow('Dockerfile broken');
    expect(await next).toBe('built');
  });

  it('an already aborted signal does not take a slot', async () => {
    const q = createBuildQueue(1);
    const abort = new AbortController();
    abort.abort(new Error('shutting down'));
    await expect(q.run(async () => 'x', { signal: abort.signal })).rejects.toThrow('shutting down');
    expect(q.counts()).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a limit below 1', () => {
    expect(() => createBuildQueue(0)).toThrow(/limit of 1 or more/);
  });
});

let fp: FakePipeline | undefined;
afterEach(async () => {
  await fp?.dispose();
  fp = undefined;
});

describe('the push output of a build that waits for a slot', () => {
  it('says its place in the queue, then that it builds once a slot is free', async () => {
    fp = await createFakePipeline({ buildConcurrency: 1 });
    await fp.createApp('shop');
    await fp.createApp('blog');
    const hold = fp.build.next({ hang: true });
    const first = await fp.push('shop');
    await hold.started;
    const second = await fp.push('blog');
    const short = second.commit.slice(0, 12);
    await expect.poll(() => second.said).toContain('queued: position 1 of 1 (1 build running)');
    expect(fp.store.builds.latestFor('blog', second.commit)?.status).toBe('queued');
    expect(second.said).not.toContain(`building ${short}…`);
    hold.release();
    await Promise.all([first.done, second.done]);
    const said = second.said.join('\n');
    expect(said.indexOf('queued: position 1 of 1')).toBeLessThan(said.indexOf(`building ${short}…`));
    expect(second.said.at(-1)).toBe('preview is live: http://blog-preview.localhost:8080/');
    expect(first.said.join('\n')).not.toContain('queued');
  });
});

describe('a queued build that a newer push supersedes', () => {
  it('leaves the queue unstarted, says so to its push; only the newest commit is built and goes live', async () => {
    fp = await createFakePipeline({ buildConcurrency: 1 });
    await fp.createApp('shop');
    await fp.createApp('blog');
    const hold = fp.build.next({ hang: true });
    const other = await fp.push('shop');
    await hold.started;
    const a = await fp.push('blog', { files: { 'public/index.html': 'A' } });
    await expect.poll(() => fp!.store.builds.latestFor('blog', a.commit)?.status).toBe('queued');
    const b = await fp.push('blog', { files: { 'public/index.html': 'B' } });
    // Dropped at once, while the other app's build still holds the slot.
    await expect.poll(() => fp!.store.builds.latestFor('blog', a.commit)?.status).toBe('superseded');
    await expect
      .poll(() => a.said)
      .toContain(`  ${a.commit.slice(0, 12)} not built: refs/heads/main moved on to a newer commit while it waited for a build slot`);
    await expect.poll(() => fp!.store.builds.latestFor('blog', b.commit)?.status).toBe('queued');
    hold.release();
    await Promise.all([other.done, a.done, b.done]);
    expect(a.said.join('\n')).not.toContain(`building ${a.commit.slice(0, 12)}…`);
    expect(a.said.at(-1)).toBe(`preview: ${a.commit.slice(0, 12)} was superseded by a newer commit`);
    expect(b.said.at(-1)).toBe('preview is live: http://blog-preview.localhost:8080/');
    expect(fp.build.calls.filter((c) => c.app === 'blog').map((c) => c.commit)).not.toContain(a.commit);
    expect(fp.build.calls.filter((c) => c.app === 'blog').map((c) => c.commit)).toContain(b.commit);
    expect(fp.store.deployments.list('blog').find((d) => d.commit === a.commit)?.status).toBe('superseded');
    expect(fp.store.deployments.live('blog', 'preview')?.commit).toBe(b.commit);
  });

  it('a build already under way is finished, not dropped (the pass then moves on to the newer commit)', async () => {
    fp = await createFakePipeline({ buildConcurrency: 1 });
    await fp.createApp('blog');
    const hold = fp.build.next({ hang: true });
    const a = await fp.push('blog', { files: { 'public/index.html': 'A' } });
    await hold.started;
    const b = await fp.push('blog', { files: { 'public/index.html': 'B' } });
    hold.release();
    await Promise.all([a.done, b.done]);
    expect(fp.store.builds.latestFor('blog', a.commit)?.status).toBe('succeeded');
    expect(fp.store.deployments.live('blog', 'preview')?.commit).toBe(b.commit);
  });
});
