// Checks a file path the model asked to read or write. The messages are written for the model:
// they come back to it as tool errors, so it can correct the path and try again.
import { posix } from 'node:path';
import { InvalidInputError } from '../shared/errors.js';

export const MAX_PATH_LENGTH = 200;
const MAX_COMPONENT_LENGTH = 255;

/** Returns `path` normalised (`./a//b` → `a/b`), or throws InvalidInputError saying why it is refused. */
export function checkPath(path: unknown): string {
  const refuse = (why: string): never => {
    const shown = typeof path === 'string' ? JSON.stringify(path.length > 80 ? `${path.slice(0, 80)}…` : path) : 'the path';
    throw new InvalidInputError(`path ${shown} refused: ${why}`);
  };
  if (typeof path !== 'string') return refuse('a path must be a string');
  if (path.length === 0) return refuse('the path is empty');
  // Checked on the raw string too, so a huge input is refused before any work is done on it.
  if (path.length > MAX_PATH_LENGTH * 2) return refuse(`a path has at most ${MAX_PATH_LENGTH} characters`);
  if (path.includes('\0')) return refuse('a path cannot contain NUL bytes');
  // eslint-disable-next-line no-control-regex
  if (/[\x01-\x1f\x7f]/.test(path)) return refuse('a path cannot contain control characters');
  if (path.includes('\\')) return refuse('use "/" to separate folders, not "\\"');
  if (path !== path.trim()) return refuse('a path cannot start or end with spaces');
  if (path.startsWith('/')) return refuse('the path must be relative to the repository root (no leading "/")');
  if (path.endsWith('/')) return refuse('the path names a folder; give a file path');

  const normalised = posix.normalize(path);
  if (normalised === '.' || normalised === '') return refuse('the path names the repository root; give a file path');
  if (normalised === '..' || normalised.startsWith('../')) return refuse('the path leads outside the repository');
  if (normalised.length > MAX_PATH_LENGTH) return refuse(`a path has at most ${MAX_PATH_LENGTH} characters`);

  for (const part of normalised.split('/')) {
    // Case-insensitive: on macOS and Windows checkouts `.GIT` is the same folder as `.git`.
    if (part.toLowerCase() === '.git') return refuse('files under .git/ belong to git and cannot be written or read');
    if (part.length > MAX_COMPONENT_LENGTH) return refuse(`a file or folder name has at most ${MAX_COMPONENT_LENGTH} characters`);
  }
  return normalised;
}
