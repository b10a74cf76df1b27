// A preview per branch, through the real pipeline (intake, reconciler, hooks' use cases) over real git repos; the
// engine is the fake runtime. Push a branch → its own environment and URL; main's preview untouched; delete the
// branch → removed; the cap; idle previews stop and start again on the next push; a restart or a lost database
// brings them back.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { branchSlug } from '../../../src/domain/branch-environment.js';
import { ZERO_SHA } from '../../../src/domain/types.js';
import { repoPath } from '../../../src/git/repo-path.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { gitOk } from '../../helpers/git-cli.js';

let fp: FakePipeline | undefined;
afterEach(async () => {
  await fp?.dispose();
  fp = undefined;
});

const envOf = (branch: string) => `preview--${branchSlug(branch)}`;

/** Deletes a branch as receive-pack does, then runs post-receive as the hook would. */
async function deleteBranch(f: FakePipeline, app: string, branch: string): Promise<string[]> {
  const ref = `refs/heads/${branch}`;
  const dir = repoPath(f.dataDir, app);
  const old = (await gitOk(['rev-parse', ref], { cwd: dir })).stdout.trim();
  await gitOk(['update-ref', '-d', ref, old], { cwd: dir });
  const said: string[] = [];
  await f.pipeline.postReceive({ app, updates: [{ ref, oldSha: old, newSha: ZERO_SHA }], pushOptions: [], pusher: 'test' }, (l) => void said.push(l));
  return said;
}

/** Makes every recorded push of the app look `days` old (the records are what idle time is measured from). */
function agePushes(f: FakePipeline, app: string, days: number): void {
  f.store.db.prepare('UPDATE ref_updates SET received_at = ? WHERE app = ?').run(new Date(Date.now() - days * 86_400_000).toISOString(), app);
}

describe('branch previews', () => {
  it('a pushed branch goes live at its own host; main keeps its preview; the push ends with the URL', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop');
    const main = fp.store.deployments.live('shop', 'preview')!;

    const push = await fp.push('shop', { ref: 'refs/heads/feature/login', files: { 'app/main.py': 'print("login")\n' } });
    await push.done;
    const env = envOf('feature/login');
    expect(env).toMatch(/^preview--feature-login-[0-9a-f]{6}$/);
    expect(push.said[0]).toBe(`feature/login → ${push.commit.slice(0, 12)}: deploying its branch preview (preview of feature/login)`);
    const url = `http://shop--${branchSlug('feature/login')}-preview.localhost:8080/`;
    expect(push.said.at(-1)).toBe(`preview of feature/login is live: ${url}`);
    expect(fp.runtime.callsOf('deploy').at(-1)).toMatchObject({ environment: env, commit: push.commit, result: 'ok' });
    expect(fp.store.deployments.live('shop', env)?.commit).toBe(push.commit);
    // Main's preview still runs what it ran.
    expect(fp.store.deployments.live('shop', 'preview')?.id).toBe(main.id);
    expect(fp.runtime.instances('shop').find((i) => i.environment === 'preview')?.commit).toBe(main.commit);

    // A push to main moves main's preview and leaves the branch preview alone.
    const deploysBefore = fp.runtime.callsOf('deploy').length;
    const onMain = await fp.push('shop');
    await onMain.done;
    expect(
      fp.runtime
        .callsOf('deploy')
        .slice(deploysBefore)
        .map((c) => c.environment),
    ).toEqual(['preview']);
    expect(fp.store.deployments.live('shop', 'preview')?.commit).toBe(onMain.commit);
    expect(fp.store.deployments.live('shop', env)?.commit).toBe(push.commit);

    const planned = await fp.pipeline.read.branchPreviews('shop');
    expect(planned).toMatchObject([{ branch: 'feature/login', state: 'active', commit: push.commit, environment: { name: env } }]);
  });

  it('deleting the branch removes its preview: runtime, route and records say so', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop');
    await (
      await fp.push('shop', { ref: 'refs/heads/fix' })
    ).done;
    expect(fp.runtime.instances('shop').map((i) => i.environment)).toContain('preview--fix');

    const said = await deleteBranch(fp, 'shop', 'fix');
    expect(said).toEqual(['fix deleted: removing its branch preview', 'fix: its branch preview is removed']);
    expect(fp.runtime.callsOf('removeEnvironment')).toMatchObject([{ app: 'shop', environment: 'preview--fix', result: 'ok' }]);
    expect(fp.runtime.instances('shop').map((i) => i.environment)).toEqual(['preview']);
    expect(fp.store.deployments.live('shop', 'preview--fix')).toBeUndefined();
    expect(fp.store.deployments.latest('shop', 'preview--fix')).toMatchObject({ status: 'replaced', reason: 'removed: its branch was deleted' });
    expect(await fp.pipeline.read.branchPreviews('shop')).toEqual([]);
    // Main's preview is untouched.
    expect(fp.store.deployments.live('shop', 'preview')).toBeDefined();
  });

  it('refuses, before any ref moves, a new branch past SLIPWAY_MAX_BRANCH_PREVIEWS; existing branches still take pushes', async () => {
    fp = await createFakePipeline({ env: { SLIPWAY_MAX_BRANCH_PREVIEWS: '2' } });
    await fp.createApp('shop');
    for (const b of ['a', 'b']) await (await fp.push('shop', { ref: `refs/heads/${b}` })).done;
    const main = (await gitOk(['rev-parse', 'refs/heads/main'], { cwd: repoPath(fp.dataDir, 'shop') })).stdout.trim();
    const third = { ref: 'refs/heads/c', oldSha: ZERO_SHA, newSha: main };
    // The git bridge may not wave it through: the hook asks.
    expect(fp.pipeline.acceptsPush('shop', [third], fp.pusherToken())).toBe(false);
    const said: string[] = [];
    expect(
      await fp.pipeline.preReceive({ app: 'shop', updates: [third], pushOptions: [], pusher: 't', pusherToken: fp.pusherToken() }, (l) => void said.push(l)),
    ).toBe(false);
    expect(said).toEqual([
      'refused refs/heads/c: branch c would be one branch preview too many: app shop has 2 of at most 2: a, b; delete one (git push origin --delete BRANCH) or ask an admin to raise SLIPWAY_MAX_BRANCH_PREVIEWS',
    ]);
    const toA = { ref: 'refs/heads/a', oldSha: main, newSha: main };
    expect(fp.pipeline.acceptsPush('shop', [toA], fp.pusherToken())).toBe(true);
    expect(await fp.pipeline.preReceive({ app: 'shop', updates: [toA], pushOptions: [], pusher: 't', pusherToken: fp.pusherToken() }, () => undefined)).toBe(
      true,
    );
    // Once one is deleted, there is room again.
    await deleteBranch(fp, 'shop', 'a');
    expect(await fp.pipeline.preReceive({ app: 'shop', updates: [third], pushOptions: [], pusher: 't', pusherToken: fp.pusherToken() }, () => undefined)).toBe(
      true,
    );
  });

  it('an idle branch preview stops, and the next push to its branch starts it again', async () => {
    fp = await createFakePipeline({ env: { SLIPWAY_BRANCH_TTL_DAYS: '3' } });
    await fp.createApp('shop');
    await (
      await fp.push('shop', { ref: 'refs/heads/old' })
    ).done;
    agePushes(fp, 'shop', 4);
    await fp.pass('shop');
    expect(fp.runtime.instances('shop').map((i) => i.environment)).toEqual(['preview']);
    expect(fp.store.deployments.latest('shop', 'preview--old')).toMatchObject({
      status: 'replaced',
      reason: 'stopped: no push for 3 days; the next push to old starts it again',
    });
    expect(await fp.pipeline.read.branchPreviews('shop')).toMatchObject([{ branch: 'old', state: 'idle' }]);
    // Passes leave it stopped.
    await fp.pass('shop');
    expect(fp.runtime.callsOf('removeEnvironment')).toHaveLength(1);

    const again = await fp.push('shop', { ref: 'refs/heads/old' });
    await again.done;
    expect(again.said.at(-1)).toMatch(/^preview of old is live: http:\/\/shop--old-preview\.localhost:8080\/$/);
    expect(fp.store.deployments.live('shop', 'preview--old')?.commit).toBe(again.commit);
  });

  it('a restart finds branch previews running, and a lost database is rebuilt with them', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop');
    const pushed = await fp.push('shop', { ref: 'refs/heads/feature/x' });
    await pushed.done;
    const env = envOf('feature/x');
    const deploys = fp.runtime.callsOf('deploy').length;

    fp = await fp.reopen();
    await fp.pass('shop');
    expect(fp.runtime.callsOf('deploy')).toHaveLength(deploys);
    expect(fp.store.deployments.live('shop', env)?.commit).toBe(pushed.commit);

    await fp.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(fp.dataDir, `slipway.db${suffix}`), { force: true });
    fp = await fp.reopen();
    await fp.pipeline.repair();
    await fp.pass('shop');
    // Found running and recorded, not deployed again (its commit is new: not idle by its commit time).
    expect(fp.runtime.callsOf('deploy')).toHaveLength(deploys);
    expect(fp.store.deployments.live('shop', env)).toMatchObject({ commit: pushed.commit, reason: 'found running' });
    expect(await fp.pipeline.read.branchPreviews('shop')).toMatchObject([{ branch: 'feature/x', state: 'active' }]);
  });

  it('a branch pushed while the server was down is deployed by the next pass; with branch previews off, branches are ignored', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop');
    const commit = await fp.moveRef('shop', 'refs/heads/offline');
    await fp.pass('shop');
    expect(fp.store.deployments.live('shop', 'preview--offline')?.commit).toBe(commit);
    await fp.dispose();

    fp = await createFakePipeline({ env: { SLIPWAY_MAX_BRANCH_PREVIEWS: '0' } });
    await fp.createApp('shop');
    const push = await fp.push('shop', { ref: 'refs/heads/feature/x' });
    await push.done;
    expect(push.said).toEqual([]);
    expect(fp.runtime.callsOf('deploy').map((c) => c.environment)).toEqual(['preview']);
    expect(fp.pipeline.acceptsPush('shop', [{ ref: 'refs/heads/y', oldSha: ZERO_SHA, newSha: push.commit }], fp.pusherToken())).toBe(true);
  });

  it('keeps the image of what a branch preview runs, and lets retention take it once the branch is deleted', async () => {
    fp = await createFakePipeline({ env: { SLIPWAY_KEEP_BUILDS: '0', SLIPWAY_KEEP_RELEASES: '0' } });
    await fp.createApp('shop');
    const pushed = await fp.push('shop', { ref: 'refs/heads/keep' });
    await pushed.done;
    await (
      await fp.push('shop')
    ).done;
    const kept = await fp.pipeline.retention.run('shop');
    expect(kept[0]?.kept.map((k) => k.commit)).toContain(pushed.commit);
    await deleteBranch(fp, 'shop', 'keep');
    const after = await fp.pipeline.retention.run('shop');
    expect(after[0]?.removed.some((image) => image.endsWith(pushed.commit.slice(0, 12)))).toBe(true);
  });
});
