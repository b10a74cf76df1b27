// Compare-and-swap ref updates with the git CLI (receive-pack may be writing the same repo; git's .lock files
// and the expected old value make the update safe where isomorphic-git's writeRef is not).
import { ZERO_SHA } from '../domain/types.js';
import { ConflictError } from '../shared/errors.js';
import { exec } from '../shared/exec.js';

/** Moves `ref` to `newSha` only if it still points at `expectedOld` (null: only if it does not exist). */
export async function updateRefCas(gitdir: string, ref: string, newSha: string, expectedOld: string | null, reason: string): Promise<void> {
  const r = await exec('git', ['--git-dir', gitdir, 'update-ref', '-m', reason, ref, newSha, expectedOld ?? ZERO_SHA], { okCodes: [0, 1, 128] });
  if (r.code !== 0) throw new ConflictError(`${ref} moved while it was being updated (${r.stderr.trim().split('\n').pop() ?? ''}); try again`);
}

/** Creates an annotated tag `name` on `commit`; fails if the tag exists (tags are created, never moved). */
export async function createTag(gitdir: string, name: string, commit: string, message: string, tagger: { name: string; email: string }): Promise<void> {
  const r = await exec(
    'git',
    ['--git-dir', gitdir, '-c', `user.name=${tagger.name}`, '-c', `user.email=${tagger.email}`, 'tag', '-a', '-m', message, name, commit],
    { okCodes: [0, 128] },
  );
  if (r.code !== 0) throw new ConflictError(`could not create tag ${name}: ${r.stderr.trim().split('\n').pop() ?? ''}`);
}

/** Deletes `ref` (a tag this process just created, when the act it belonged to could not go on). */
export async function deleteRef(gitdir: string, ref: string): Promise<void> {
  await exec('git', ['--git-dir', gitdir, 'update-ref', '-d', ref]);
}
