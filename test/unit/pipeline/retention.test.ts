// Retention over the real pipeline with small limits: which images and log files stay after pushes and publishes,
// and a rollback (from Slipway, or by a push to prod) to a commit whose image was removed builds it again and says so.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { imageName } from '../../../src/build/image-name.js';
import { repoPath } from '../../../src/git/repo-path.js';
import { shortSha } from '../../../src/domain/types.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';

let fp: FakePipeline | undefined;
afterEach(async () => {
  await fp?.dispose();
  fp = undefined;
});

const env = { SLIPWAY_KEEP_BUILDS: '2', SLIPWAY_KEEP_RELEASES: '1', SLIPWAY_KEEP_LOGS: '3' };

async function pushes(f: FakePipeline, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = await f.push('shop');
    await p.done;
    out.push(p.commit);
  }
  return out;
}

describe('retention', () => {
  it('keeps what runs, the newest releases besides production’s and the newest builds; removes the other images and old logs', async () => {
    const f = (fp = await createFakePipeline({ env }));
    const c = [await f.createApp('shop'), ...(await pushes(f, 4))];
    await f.pipeline.publish('shop', { commit: c[1], by: 'test' }); // v1
    await f.pipeline.publish('shop', { commit: c[3], by: 'test' }); // v2, what production runs
    const image = (i: number) => imageName('shop', c[i]!);
    expect(f.build.images.existing.size).toBe(5);

    const [outcome] = await f.pipeline.retention.run('shop');
    // c4: preview runs it (and a newest build); c3: production (v2); c1: v1, the newest release besides; c2, c0 go.
    expect(new Set(f.build.images.existing)).toEqual(new Set([image(4), image(3), image(1)]));
    expect(outcome?.removed).toEqual([image(2), image(0)]);
    expect(outcome?.kept.map((k) => [k.image, k.reasons])).toEqual([
      [image(4), ['runs', 'recent build']],
      [image(3), ['runs', 'recent build']],
      [image(1), ['release']],
    ]);
    for (const i of [0, 2]) expect(f.store.builds.latestFor('shop', c[i]!)?.imageRemovedAt).toMatch(/^\d{4}-/);

    // Logs: the 3 newest of each kind stay, and those of what serves; older files go, their rows are marked.
    const builds = f.store.builds.list('shop');
    const deployments = f.store.deployments.list('shop');
    expect(builds).toHaveLength(5);
    expect(deployments).toHaveLength(7);
    const kept = (r: { logPath: string; logRemovedAt: string | null }) => existsSync(r.logPath) && r.logRemovedAt === null;
    expect(builds.map(kept)).toEqual([true, true, true, false, false]);
    // Newest first: prod v2 (live), prod v1, preview c4 (live), then preview c3, c2, c1, c0.
    expect(deployments.map(kept)).toEqual([true, true, true, false, false, false, false]);
    expect(outcome?.logsRemoved).toBe(6);

    // A second run has nothing left to do.
    const [again] = await f.pipeline.retention.run('shop');
    expect(again).toMatchObject({ removed: [], logsRemoved: 0 });
  });

  it('a rollback to a release whose image was removed builds it again, and the plan and the answer say so', async () => {
    const f = (fp = await createFakePipeline({ env }));
    const c = [await f.createApp('shop'), ...(await pushes(f, 3))];
    await f.pipeline.publish('shop', { commit: c[1], by: 'test' }); // v1
    await f.pipeline.publish('shop', { commit: c[2], by: 'test' }); // v2
    await f.pipeline.publish('shop', { commit: c[3], by: 'test' }); // v3, production
    await f.pipeline.retention.run('shop');
    expect(f.build.images.existing.has(imageName('shop', c[1]!))).toBe(false);

    const { plan } = await f.pipeline.releasePlan('shop', 'rollback', { to: 'v1' });
    expect(plan.blockers).toEqual([]);
    expect(plan.rebuild).toBe(
      'The image of v1 was removed by retention, so it is built again first; production keeps running v3 until v1 is built and healthy.',
    );
    const builtBefore = f.build.calls.length;
    const result = await f.pipeline.rollback('shop', { to: 'v1', by: 'test' });
    expect(result.rebuild).toBe(plan.rebuild);
    expect(result.deployment.status).toBe('live');
    expect(f.build.calls.slice(builtBefore).map((b) => b.commit)).toEqual([c[1]]);
    expect(f.build.images.existing.has(imageName('shop', c[1]!))).toBe(true);
    expect(f.store.builds.latestFor('shop', c[1]!)).toMatchObject({ status: 'succeeded', imageRemovedAt: null });
    expect(f.runtime.instances('shop').find((i) => i.environment === 'prod')?.commit).toBe(c[1]);
  });

  it('a push that moves prod to a commit whose image was removed builds it again and says so', async () => {
    const f = (fp = await createFakePipeline({ env }));
    const c = [await f.createApp('shop'), ...(await pushes(f, 3))];
    await f.pipeline.publish('shop', { commit: c[3], by: 'test' });
    await f.pipeline.retention.run('shop');
    expect(f.build.images.existing.has(imageName('shop', c[0]!))).toBe(false);

    const gitdir = repoPath(f.dataDir, 'shop');
    execFileSync('git', ['--git-dir', gitdir, 'update-ref', 'refs/heads/prod', c[0]!, c[3]!]);
    const updates = [{ ref: 'refs/heads/prod', oldSha: c[3]!, newSha: c[0]! }];
    const said: string[] = [];
    expect(await f.pipeline.preReceive({ app: 'shop', updates, pushOptions: [], pusher: 'test', pusherToken: f.pusherToken() }, (l) => void said.push(l))).toBe(
      true,
    );
    await f.pipeline.postReceive({ app: 'shop', updates, pushOptions: [], pusher: 'test' }, (l) => void said.push(l));
    const out = said.join('\n');
    expect(out).toContain(`the image of ${shortSha(c[0]!)} was removed by retention: building it again…`);
    expect(out).toContain(`retention removed its image on`);
    expect(out).toContain('production is live: http://shop.localhost:8080/');
    expect(f.build.images.existing.has(imageName('shop', c[0]!))).toBe(true);
  });

  it('an image removed from Docker outside Slipway is built again when it is needed, and the push says so', async () => {
    const f = (fp = await createFakePipeline());
    const c = [await f.createApp('shop'), ...(await pushes(f, 2))];
    await f.pipeline.publish('shop', { commit: c[2], by: 'test' });
    // Someone ran `docker image prune -a` (or another installation deleted an app of this name).
    f.build.images.existing.delete(imageName('shop', c[0]!));
    const gitdir = repoPath(f.dataDir, 'shop');
    execFileSync('git', ['--git-dir', gitdir, 'update-ref', 'refs/heads/prod', c[0]!, c[2]!]);
    const updates = [{ ref: 'refs/heads/prod', oldSha: c[2]!, newSha: c[0]! }];
    const said: string[] = [];
    await f.pipeline.postReceive({ app: 'shop', updates, pushOptions: [], pusher: 'test' }, (l) => void said.push(l));
    const out = said.join('\n');
    expect(out).toContain(`the image of ${shortSha(c[0]!)} is no longer in Docker: building it again…`);
    expect(out).toContain('production is live: http://shop.localhost:8080/');
    expect(f.build.images.existing.has(imageName('shop', c[0]!))).toBe(true);
  });

  it('leaves an image a container still uses, and removes it on a later run', async () => {
    const f = (fp = await createFakePipeline({ env: { ...env, SLIPWAY_KEEP_BUILDS: '1' } }));
    const c = [await f.createApp('shop'), ...(await pushes(f, 1))];
    f.build.images.inUse.add(imageName('shop', c[0]!));
    const [first] = await f.pipeline.retention.run('shop');
    expect(first).toMatchObject({ removed: [], inUse: [imageName('shop', c[0]!)] });
    expect(f.store.builds.latestFor('shop', c[0]!)?.imageRemovedAt).toBeNull();
    f.build.images.inUse.clear();
    const [second] = await f.pipeline.retention.run('shop');
    expect(second?.removed).toEqual([imageName('shop', c[0]!)]);
  });

  it('deleting an app removes its images and its log files', async () => {
    const f = (fp = await createFakePipeline({ env }));
    await f.createApp('shop');
    await pushes(f, 2);
    await f.createApp('blog');
    const logs = [...f.store.builds.list('shop'), ...f.store.deployments.list('shop')].map((r) => r.logPath);
    expect(logs.every((p) => existsSync(p))).toBe(true);
    await f.pipeline.deleteApp('shop');
    expect([...f.build.images.existing].filter((i) => i.startsWith('slipway/shop:'))).toEqual([]);
    expect(logs.filter((p) => existsSync(p))).toEqual([]);
    // Another app's are not touched.
    expect([...f.build.images.existing].filter((i) => i.startsWith('slipway/blog:'))).toHaveLength(1);
    expect(f.store.builds.list('blog').every((b) => existsSync(b.logPath))).toBe(true);
  });

  it('runs by itself after a deployment ends', async () => {
    const f = (fp = await createFakePipeline({ env: { ...env, SLIPWAY_KEEP_BUILDS: '1' } }));
    f.pipeline.retention.start();
    const c = [await f.createApp('shop'), ...(await pushes(f, 2))];
    const deadline = Date.now() + 5000;
    while (f.build.images.existing.size > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect([...f.build.images.existing]).toEqual([imageName('shop', c[2]!)]);
  });
});
