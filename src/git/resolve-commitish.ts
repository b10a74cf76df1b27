// What a person named — a full or short sha, a tag, a branch — as a commit of the app's repo.
import { InvalidInputError, NotFoundError } from '../shared/errors.js';
import { resolveRef } from './read-refs.js';

/** The names people may give (a sha, a tag, a branch): refused with a clear message before git sees them. */
export function checkCommitish(what: string): string {
  if (!/^[A-Za-z0-9._/-]{1,200}$/.test(what) || what.includes('..') || what.startsWith('-'))
    throw new InvalidInputError(`"${what.slice(0, 60)}" is not a commit, tag or branch name`);
  return what;
}

export async function resolveCommitish(gitdir: string, what: string): Promise<string> {
  checkCommitish(what);
  const commit = await resolveRef(gitdir, what);
  if (!commit) throw new NotFoundError(`no commit, tag or branch "${what}" in this app`);
  return commit;
}
