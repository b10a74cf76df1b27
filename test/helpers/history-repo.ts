// An app whose history has every shape the history viewer draws, made with the real git CLI in a temporary
// clone: a feature branch merged into main with `git merge --no-ff`, a release published (tag v1, production),
// a failed deploy, and a branch preview's deployment record. Runs over the fake pipeline (real store and repos).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { FakePipeline } from './fake-pipeline.js';
import { gitOk } from './git-cli.js';

// Pushing straight into the bare repo would run Slipway's hooks, which talk to a server these tests do not run:
// the receiving git gets no hooks (git clears config from the environment for a local push, so it is an
// argument), and the helper hands the ref updates to post-receive itself, as the hook would.
const NO_HOOKS = '--receive-pack=git -c core.hooksPath=/nonexistent receive-pack';

export interface HistoryRepo {
  /** The commits by role: first, c1 (v1, production), feature (on feature-x), c2, merge, broken (main's tip). */
  sha: Record<'first' | 'c1' | 'feature' | 'c2' | 'merge' | 'broken', string>;
  /** Runs git in the clone (origin is the app's bare repo). */
  git(args: string[]): Promise<string>;
  /** `git push` of refs from the clone, then post-receive as the hook would run it. */
  push(refs: string[]): Promise<void>;
  /** `git push` of refs with no hook at all (the pipeline does not hear of them). */
  pushQuietly(refs: string[]): Promise<void>;
  dispose(): void;
}

export async function createHistoryRepo(fp: FakePipeline, app: string, options: { featureMessage: string }): Promise<HistoryRepo> {
  const first = await fp.createApp(app);
  const gitdir = join(fp.dataDir, 'repos', `${app}.git`);
  const work = mkdtempSync(join(tmpdir(), 'slipway-history-work-'));
  await gitOk(['clone', '--quiet', gitdir, work]);
  const git = async (args: string[]) => (await gitOk(args, { cwd: work })).stdout.trim();
  const revParse = async (ref: string) =>
    (await gitOk(['--git-dir', gitdir, 'rev-parse', '--verify', '--quiet', ref]).catch(() => null))?.stdout.trim() ?? '0'.repeat(40);
  const push = async (refs: string[]) => {
    const before = new Map<string, string>();
    for (const ref of refs) before.set(ref, await revParse(ref));
    await git(['push', '--quiet', NO_HOOKS, 'origin', ...refs.map((r) => `${r}:${r}`)]);
    const updates = [];
    for (const ref of refs) updates.push({ ref, oldSha: before.get(ref)!, newSha: await revParse(ref) });
    await fp.pipeline.postReceive({ app, updates, pushOptions: [], pusher: 'test' }, () => undefined);
  };
  const head = () => git(['rev-parse', 'HEAD']);

  // main: first → c1 (published as v1) → c2 → merge of feature-x → broken (its deploy fails)
  await git(['commit', '--allow-empty', '-m', 'c1: the first change']);
  const c1 = await head();
  await push(['refs/heads/main']);
  const published = await fp.pipeline.publish(app, { by: 'test', waitMs: 5000 });
  expect(published.tag).toBe('v1');
  await git(['checkout', '--quiet', '-b', 'feature-x']);
  await git(['commit', '--allow-empty', '-m', options.featureMessage]);
  const feature = await head();
  await git(['checkout', '--quiet', 'main']);
  await git(['commit', '--allow-empty', '-m', 'c2: meanwhile on main']);
  const c2 = await head();
  await git(['merge', '--no-ff', '--quiet', '-m', 'Merge branch feature-x', 'feature-x']);
  const merge = await head();
  await push(['refs/heads/main', 'refs/heads/feature-x']);
  fp.runtime.next('deploy', { fail: 'never answered on /health' });
  await git(['commit', '--allow-empty', '-m', 'broken: this one never gets healthy']);
  const broken = await head();
  await push(['refs/heads/main']);
  // feature-x has its own branch preview (environment preview--feature-x): its marker and its timeline row.
  for (let i = 0; !fp.store.deployments.live(app, 'preview--feature-x'); i += 1) {
    if (i > 200) throw new Error('the branch preview of feature-x did not go live');
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    sha: { first, c1, feature, c2, merge, broken },
    git,
    push,
    pushQuietly: (refs) => git(['push', '--quiet', NO_HOOKS, 'origin', ...refs]).then(() => undefined),
    dispose: () => rmSync(work, { recursive: true, force: true }),
  };
}
