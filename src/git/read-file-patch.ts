// One changed file of a diff on its own: its counts and its patch, for the page a large diff's file list links to.
// The path must be one the diff changes (checked against git, not trusted from the request).
import { InvalidInputError, NotFoundError } from '../shared/errors.js';
import { changedFiles, diffArgs, EMPTY_TREE, type ChangedFile } from './read-change-set.js';
import { readPatch, type Patch, type PatchLimits } from './read-patch.js';

export interface FilePatch {
  file: ChangedFile;
  patch: Patch;
}

/** One file's patch on a page of its own: more room than a whole diff's page (a 5,000-line file is about 2.3 MB
 * of HTML), still bounded. */
export const FILE_PATCH_LIMITS: PatchLimits = { maxFiles: 1, maxBytes: 512 * 1024, maxLines: 5000, maxReadBytes: 512 * 1024 };

/** A repository path as git prints it: relative, no `.` or `..` segments, no empty segments, no NUL. */
export function checkRepoPath(path: string): string {
  const segments = path.split('/');
  if (path.length === 0 || path.length > 4096 || path.includes('\0') || segments.some((s) => s === '' || s === '.' || s === '..'))
    throw new InvalidInputError('path is a file path inside the repository (relative, without "." or ".." parts)');
  return path;
}

export async function readFilePatch(gitdir: string, from: string | null, to: string, path: string, limits = FILE_PATCH_LIMITS): Promise<FilePatch> {
  checkRepoPath(path);
  const base = from ?? EMPTY_TREE;
  const file = (await changedFiles(gitdir, base, to, [path])).find((f) => f.path === path);
  if (!file) throw new NotFoundError(`${path} does not change between these commits`);
  const patch = await readPatch(gitdir, diffArgs(base, to, [path]), limits);
  return { file, patch };
}
