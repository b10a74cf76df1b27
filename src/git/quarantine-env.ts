// git's environment to read a push's objects during pre-receive: receive-pack keeps them in a quarantine folder
// inside the repo's objects folder until the refs move. The folder comes from the hook, so it is checked.
import { resolve, sep } from 'node:path';
import { InvalidInputError } from '../shared/errors.js';

export interface Quarantine {
  /** The folder receive-pack named in the hook's GIT_OBJECT_DIRECTORY. */
  dir: string;
  /** PATH for git (the child's environment is built from nothing). */
  path: string;
}

export function quarantineEnv(gitdir: string, q: Quarantine): NodeJS.ProcessEnv {
  const objects = resolve(gitdir, 'objects');
  const dir = resolve(q.dir);
  if (!dir.startsWith(objects + sep)) throw new InvalidInputError('the quarantine folder is not inside the repo');
  return { PATH: q.path, GIT_OBJECT_DIRECTORY: dir, GIT_ALTERNATE_OBJECT_DIRECTORIES: objects };
}
