// What pre-receive accepts is what gets published, or the push says exactly why not: a release tag on a commit
// not built yet is accepted, built by the pass that applies it, and then either published or refused with the
// production rule's reason — the same function pre-receive asked.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { repoPath } from '../../../src/git/repo-path.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';

let fp: FakePipeline | undefined;
afterEach(async () => {
  await fp?.dispose();
  fp = undefined;
});

const ZERO = '0'.repeat(40);

/** A commit on a branch no environment follows (so nothing builds it), then `v1` on it, vetted as pre-receive does. */
async function tagUnbuiltCommit(f: FakePipeline, annotated: boolean) {
  const commit = await f.moveRef('shop', 'refs/heads/feature');
  const gitdir = repoPath(f.dataDir, 'shop');
  const git = (...args: string[]) =>
    execFileSync('git', ['--git-dir', gitdir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args])
      .toString()
      .trim();
  if (annotated) git('tag', '-a', 'v1', '-m', 'Release 1', commit);
  else git('update-ref', 'refs/tags/v1', commit);
  const tagSha = git('rev-parse', 'refs/tags/v1');
  const updates = [{ ref: 'refs/tags/v1', oldSha: ZERO, newSha: tagSha }];
  const vetted: string[] = [];
  const accepted = await f.pipeline.preReceive(
    { app: 'shop', updates, pushOptions: [], pusher: 'test', pusherToken: f.pusherToken() },
    (l) => void vetted.push(l),
  );
  return { commit, gitdir, git, updates, accepted, vetted };
}

describe('a release tag on a commit not built yet', () => {
  it('is accepted, built, and published; the push says production is live', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop');
    const t = await tagUnbuiltCommit(fp, true);
    expect(t.accepted, t.vetted.join('\n')).toBe(true);
    const said: string[] = [];
    await fp.pipeline.postReceive({ app: 'shop', updates: t.updates, pushOptions: [], pusher: 'test' }, (l) => void said.push(l));

    expect(t.git('rev-parse', 'refs/heads/prod')).toBe(t.commit);
    expect(fp.store.deployments.live('shop', 'prod')).toMatchObject({ commit: t.commit, trigger: 'publish' });
    expect(said.join('\n')).toContain('production is live: http://shop.localhost:8080/');
    expect(fp.store.refUpdates.listForApp('shop').find((u) => u.ref === 'refs/tags/v1')?.outcome).toMatch(/moved to v1/);
  });

  it('is not published when its build fails, and the push says exactly why; production does not move', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop');
    const t = await tagUnbuiltCommit(fp, false);
    expect(t.accepted).toBe(true);
    fp.build.next({ fail: "The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 1" });
    const said: string[] = [];
    await fp.pipeline.postReceive({ app: 'shop', updates: t.updates, pushOptions: [], pusher: 'test' }, (l) => void said.push(l));

    expect(said.join('\n')).toMatch(/v1 not published: The build of [0-9a-f]{12} failed, so it cannot go to production: .*returned a non-zero code: 1/);
    expect(() => t.git('rev-parse', '--verify', '--quiet', 'refs/heads/prod')).toThrow();
    expect(fp.store.deployments.list('shop').filter((d) => d.environment === 'prod')).toEqual([]);

    // Pre-receive now refuses the same commit by the same rule, for a second tag.
    const again: string[] = [];
    const ok = await fp.pipeline.preReceive(
      { app: 'shop', updates: [{ ref: 'refs/tags/v2', oldSha: ZERO, newSha: t.commit }], pushOptions: [], pusher: 'test', pusherToken: fp.pusherToken() },
      (l) => void again.push(l),
    );
    expect(ok).toBe(false);
    expect(again.join('\n')).toMatch(/refused refs\/tags\/v2: The build of [0-9a-f]{12} failed, so it cannot go to production/);
  });
});
