// Compare-and-swap ref updates with the git CLI (receive-pack may be writing the same repo; git's .lock files
// and the expected old value make the update safe where isomorphic-git's writeRef is not).
import fs from 'node:fs';
import git from 'isomorphic-git';
import { ZERO_SHA } from '../domain/types.js';
import { ConflictError } from '../shared/errors.js';
import { exec } from '../shared/exec.js';

/** Moves `ref` to `newSha` only if it still points at `expectedOld` (null: only if it does not exist). */
export async function updateRefCas(gitdir: string, ref: string, newSha: string, expectedOld: string | null, reason: string): Promise<void> {
  const r = await exec('git', ['--git-dir', gitdir, 'update-ref', '-m', reason, ref, newSha, expectedOld ?? ZERO_SHA], { okCodes: [0, 1, 128] });
  if (r.code !== 0) throw new ConflictError(`${ref} moved while it was being updated (${r.stderr.trim().split('\n').pop() ?? ''}); try again`);
}

export interface RefMove {
  ref: string;
  newSha: string;
  /** null: only if the ref does not exist yet. */
  expectedOld: string | null;
}

/**
 * Creates the annotated tag `name` on `commit` and makes the ref moves, all or none, in one `git update-ref`
 * transaction (the tag object is written in-process; a transaction that fails leaves it unreferenced, for gc).
 * Tags are created, never moved: a tag of that name that exists fails it, as a ref that moved meanwhile does.
 */
export async function createTagWith(
  gitdir: string,
  tag: { name: string; commit: string; message: string; tagger: { name: string; email: string } },
  moves: readonly RefMove[],
  reason: string,
): Promise<void> {
  const tagger = { ...tag.tagger, timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 };
  const oid = await git.writeTag({ fs, gitdir, tag: { object: tag.commit, type: 'commit', tag: tag.name, tagger, message: tag.message } });
  const lines = [`create refs/tags/${tag.name} ${oid}`, ...moves.map((m) => `update ${m.ref} ${m.newSha} ${m.expectedOld ?? ZERO_SHA}`)];
  const r = await exec('git', ['--git-dir', gitdir, 'update-ref', '-m', reason, '--stdin'], { input: `${lines.join('\n')}\n`, okCodes: [0, 1, 128] });
  if (r.code === 0) return;
  const why = r.stderr.trim().split('\n').pop() ?? '';
  if (why.includes(`refs/tags/${tag.name}`)) throw new ConflictError(`could not create tag ${tag.name}: it exists already; look at the plan again`);
  throw new ConflictError(`${moves.map((m) => m.ref).join(', ')} moved while it was being updated (${why}); try again`);
}
