// The pipeline from push to deployment over a fake engine and a fake build (no Docker): what each push ends as,
// what serves afterwards, and what the next pass does.
import { afterEach, describe, expect, it } from 'vitest';
import { DockerUnreachableError } from '../../../src/shared/docker/docker-unreachable.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';

let fp: FakePipeline | undefined;
afterEach(async () => {
  await fp?.dispose();
  fp = undefined;
});

const serving = (f: FakePipeline, app: string, env = 'preview') =>
  f.runtime
    .instances(app)
    .filter((i) => i.environment === env && i.state === 'live')
    .map((i) => i.commit);
const deploymentOf = (f: FakePipeline, app: string, commit: string, env = 'preview') =>
  f.store.deployments.list(app, 100).filter((d) => d.environment === env && d.commit === commit);

describe('rapid pushes', () => {
  it('three pushes while a deploy hangs: the last goes live, the two between are superseded without being built', async () => {
    fp = await createFakePipeline();
    const first = await fp.createApp('shop');
    const hold = fp.runtime.next('deploy', { hang: true });
    const a = await fp.push('shop');
    await hold.started;
    const b = await fp.push('shop');
    const c = await fp.push('shop');
    const d = await fp.push('shop');
    hold.release();
    await Promise.all([a.done, b.done, c.done, d.done]);

    expect(serving(fp, 'shop')).toEqual([d.commit]);
    expect(fp.store.deployments.live('shop', 'preview')?.commit).toBe(d.commit);
    expect(deploymentOf(fp, 'shop', a.commit).map((x) => x.status)).toEqual(['replaced']);
    expect(deploymentOf(fp, 'shop', b.commit).map((x) => x.status)).toEqual(['superseded']);
    expect(deploymentOf(fp, 'shop', c.commit).map((x) => x.status)).toEqual(['superseded']);
    expect(fp.build.calls.map((x) => x.commit)).toEqual([first, a.commit, d.commit]);
    expect(fp.runtime.callsOf('deploy').map((x) => x.commit)).toEqual([first, a.commit, d.commit]);
    // Each pusher is told how their push ended.
    expect(b.said.join('\n')).toMatch(/was superseded by a newer commit/);
    expect(d.said.join('\n')).toContain('preview is live: http://shop-preview.localhost:8080');
  });
});

describe('a deploy that never gets healthy', () => {
  it('fails, needs a person, and the previous commit keeps serving; the next pass does not retry it', async () => {
    fp = await createFakePipeline();
    const first = await fp.createApp('shop');
    fp.runtime.next('deploy', { fail: 'never answered on /health within 30 s', logTail: 'ModuleNotFoundError: fastapi' });
    const push = await fp.push('shop');
    await push.done;

    const [d] = deploymentOf(fp, 'shop', push.commit);
    expect(d).toMatchObject({ status: 'failed', needsPerson: 1, appliedCommit: first });
    expect(d?.reason).toContain('ModuleNotFoundError: fastapi');
    expect(serving(fp, 'shop')).toEqual([first]);
    expect(fp.store.deployments.live('shop', 'preview')?.commit).toBe(first);
    const said = push.said.join('\n');
    expect(said).toMatch(/preview deploy of [0-9a-f]{12} FAILED: never answered on \/health/);
    expect(said).toContain(`preview still serves ${first.slice(0, 12)}`);
    expect(said).not.toContain('tries again by itself');

    const deploys = fp.runtime.callsOf('deploy').length;
    await fp.pass('shop');
    expect(fp.runtime.callsOf('deploy')).toHaveLength(deploys);
    expect(deploymentOf(fp, 'shop', push.commit)).toHaveLength(1);
  });
});

describe('Docker unreachable during a deploy', () => {
  it('fails without needing a person, and the next pass retries it and goes live', async () => {
    fp = await createFakePipeline();
    const first = await fp.createApp('shop');
    fp.runtime.next('deploy', { throw: new DockerUnreachableError('unix:///var/run/docker.sock', 'the connection was refused') });
    const push = await fp.push('shop');
    await push.done;

    expect(deploymentOf(fp, 'shop', push.commit)[0]).toMatchObject({ status: 'failed', needsPerson: 0, appliedCommit: first });
    expect(serving(fp, 'shop')).toEqual([first]);
    expect(push.said.join('\n')).toContain('nothing in the commit needs fixing: Slipway tries again by itself');

    await fp.pass('shop');
    expect(serving(fp, 'shop')).toEqual([push.commit]);
    expect(fp.store.deployments.live('shop', 'preview')?.commit).toBe(push.commit);
    // The image built before Docker went away is reused, not built again.
    expect(fp.build.calls.filter((x) => x.commit === push.commit)).toHaveLength(1);
  });
});

describe('publishing a commit whose build failed', () => {
  it('is refused by publish and by a pushed release tag, and production does not move', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop');
    fp.build.next({ fail: 'Step 3/5 : RUN pip install -r requirements.txt\nERROR: No matching distribution found for fastapi==99' });
    const push = await fp.push('shop');
    await push.done;
    expect(deploymentOf(fp, 'shop', push.commit)[0]).toMatchObject({ status: 'failed', needsPerson: 1 });

    await expect(fp.pipeline.publish('shop', { commit: push.commit, by: 'test', waitMs: 1000 })).rejects.toThrow(
      /The build of [0-9a-f]{12} failed, so it cannot go to production/,
    );
    const said: string[] = [];
    const ok = await fp.pipeline.preReceive(
      {
        app: 'shop',
        updates: [{ ref: 'refs/tags/v1', oldSha: '0'.repeat(40), newSha: push.commit }],
        pushOptions: [],
        pusher: 'test',
        pusherToken: fp.pusherToken(),
      },
      (l) => void said.push(l),
    );
    expect(ok).toBe(false);
    expect(said.join('\n')).toMatch(/refused refs\/tags\/v1: The build of [0-9a-f]{12} failed, so it cannot go to production/);
    expect(serving(fp, 'shop', 'production')).toEqual([]);
    expect(fp.store.deployments.list('shop').filter((d) => d.environment === 'production')).toEqual([]);
  });
});

describe('a crash between the ref update and the deployment', () => {
  it('a recorded ref update with no deployment is converged by the next Slipway over the same data folder', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop');
    // The hook committed its ref_updates row, then the process died before the deployment row was written.
    const commit = await fp.moveRef('shop', 'refs/heads/main');
    const old = fp.store.deployments.live('shop', 'preview')!.commit;
    fp.store.refUpdates.record([
      { app: 'shop', ref: 'refs/heads/main', oldSha: old, newSha: commit, kind: 'preview', environment: 'preview', pusher: 'test', pushOptions: [] },
    ]);
    expect(deploymentOf(fp, 'shop', commit)).toEqual([]);

    fp = await fp.reopen();
    await fp.pass('shop');
    expect(serving(fp, 'shop')).toEqual([commit]);
    expect(deploymentOf(fp, 'shop', commit)[0]).toMatchObject({ status: 'live', appliedCommit: commit });
    expect(fp.store.refUpdates.pending()).toEqual([]);
    expect(fp.store.refUpdates.listForApp('shop').find((u) => u.newSha === commit)?.outcome).toMatch(/^preview: live/);
  });

  it('a ref moved with no record at all (the hook never ran) is converged too', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop');
    const commit = await fp.moveRef('shop', 'refs/heads/main');
    fp = await fp.reopen();
    await fp.pass('shop');
    expect(serving(fp, 'shop')).toEqual([commit]);
  });
});

describe('deleting an app while it deploys', () => {
  it('leaves nothing of the app running', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop');
    const hold = fp.runtime.next('deploy', { hang: true });
    const push = await fp.push('shop');
    await hold.started;
    const deleting = fp.pipeline.deleteApp('shop');
    // A deploy the delete did not cut off ends as a real one would: the candidate goes live.
    setTimeout(() => hold.release(), 50);
    await deleting;
    await push.done.catch(() => undefined);
    await fp.pass('shop');
    expect(fp.store.apps.get('shop')).toBeUndefined();
    expect(fp.runtime.instances('shop')).toEqual([]);
  });
});

describe('shutting down while a deploy runs', () => {
  async function shutDownDuringDeploy(onAbort: 'reject' | 'cancelled'): Promise<{ first: string; commit: string }> {
    fp = await createFakePipeline();
    const first = await fp.createApp('shop');
    const hold = fp.runtime.next('deploy', { hang: true, onAbort });
    const push = await fp.push('shop');
    await hold.started;
    await fp.close();
    await push.done.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    // Nothing tried to write to the closed store (such errors are logged by the reconciler's pass).
    expect(fp.logged.join('\n')).not.toMatch(/not open|closed/i);
    fp = await fp.reopen();
    return { first, commit: push.commit };
  }

  it('an engine call cut off by the shutdown is recorded as retryable, and the next start deploys it', async () => {
    const { first, commit } = await shutDownDuringDeploy('reject');
    expect(deploymentOf(fp!, 'shop', commit)[0]).toMatchObject({ status: 'failed', needsPerson: 0, appliedCommit: first });
    await fp!.pass('shop');
    expect(serving(fp!, 'shop')).toEqual([commit]);
  });

  it('a deploy the engine reports as cancelled (as Docker does) needs no person either: the next start deploys it', async () => {
    const { first, commit } = await shutDownDuringDeploy('cancelled');
    expect(deploymentOf(fp!, 'shop', commit)[0]).toMatchObject({ status: 'failed', needsPerson: 0, appliedCommit: first });
    await fp!.pass('shop');
    expect(serving(fp!, 'shop')).toEqual([commit]);
  });

  it('a build cut off by shutdown needs no person: the next start builds it again and it goes live', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop');
    const hold = fp.build.next({ hang: true });
    const push = await fp.push('shop');
    await hold.started;
    await fp.close();
    await push.done.catch(() => undefined);

    fp = await fp.reopen();
    expect(fp.store.builds.latestFor('shop', push.commit)).toMatchObject({ status: 'failed', needsPerson: 0 });
    await fp.pass('shop');
    expect(serving(fp, 'shop')).toEqual([push.commit]);
  });
});
