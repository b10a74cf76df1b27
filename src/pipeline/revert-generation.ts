// Reverting a generation: a new commit on main that puts the files it touched back as they were before it.
// It is refused when later commits changed those files again (revert those first), so nothing is lost.
import { shortSha } from '../domain/types.js';
import { commitChanges, type FileChange } from '../git/commit-changes.js';
import { createTreeSource } from '../git/create-tree-source.js';
import { resolveRef } from '../git/read-refs.js';
import { repoPath } from '../git/repo-path.js';
import { ConflictError, NotFoundError } from '../shared/errors.js';
import { exec } from '../shared/exec.js';
import type { GenerationRecord } from '../store/generations-store.js';
import type { PipelineDeps } from './deps.js';
import { MAIN_REF } from '../domain/environments.js';
import { recordRefUpdates } from './record-ref-updates.js';
import type { Reconciler } from './reconciler.js';

export async function revertGeneration(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events'>,
  reconciler: Reconciler,
  id: string,
  by: string,
): Promise<GenerationRecord> {
  const { store, config } = deps;
  const target = store.generations.get(id);
  if (!target) throw new NotFoundError(`no generation ${id}`);
  if (!target.commit) throw new ConflictError(`generation ${id} made no commit, so there is nothing to revert`);
  if (target.revertedBy) throw new ConflictError(`generation ${id} was already reverted by ${target.revertedBy}`);
  const gitdir = repoPath(config.dataDir, target.app);
  const head = await resolveRef(gitdir, MAIN_REF);
  if (!head) throw new ConflictError('main does not exist');
  const { stdout } = await exec('git', ['--git-dir', gitdir, 'diff', '--name-only', '-z', '--no-renames', `${target.commit}^`, target.commit]);
  const paths = stdout.split('\0').filter(Boolean);
  // isomorphic-git takes object ids, not revision expressions: resolve the parent first.
  const parent = await resolveRef(gitdir, `${target.commit}^`);
  if (!parent) throw new ConflictError(`commit ${shortSha(target.commit)} has no parent to revert to`);
  const before = createTreeSource(gitdir, parent);
  const after = createTreeSource(gitdir, target.commit);
  const now = createTreeSource(gitdir, head);
  const changes: FileChange[] = [];
  for (const path of paths) {
    const [was, became, current] = await Promise.all([before.readFile(path), after.readFile(path), now.readFile(path)]);
    if (!sameContent(became, current)) throw new ConflictError(`${path} changed again after ${shortSha(target.commit)}; revert the later change first`);
    changes.push({ path, content: was });
  }
  const summary = `Revert "${target.summary ?? shortSha(target.commit)}"`;
  const revert = store.generations.create({ app: target.app, kind: 'revert', parentId: target.id, prompt: summary, requestedBy: by, model: '' });
  const { commit } = await commitChanges({
    gitdir,
    ref: MAIN_REF,
    base: head,
    changes,
    message: `${summary}\n\nThis reverts commit ${target.commit}\n(generation ${target.id}), as asked by ${by}.\n\nSlipway-Generation: ${revert.id}\nSlipway-Reverts: ${target.id}\nSlipway-Requested-By: ${by.replace(/\s+/g, ' ').trim()}\n`,
    author: { name: 'Slipway', email: 'slipway@slipway.local' },
  });
  store.generations.update(revert.id, { status: 'committed', summary, files: paths, commit, finishedAt: new Date().toISOString() });
  store.generations.update(target.id, { revertedBy: revert.id });
  store.generations.appendEvent(revert.id, 'commit', { commit, summary, files: paths, kind: 'revert' });
  await recordRefUpdates(deps, target.app, [{ ref: MAIN_REF, oldSha: head, newSha: commit }], { by, trigger: 'revert' });
  store.generations.appendEvent(revert.id, 'end', { status: 'committed' });
  void reconciler.wake(target.app);
  return store.generations.get(revert.id)!;
}

function sameContent(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}
