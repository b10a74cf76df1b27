// The files a generation sees and changes: the app's tree at main's head with the model's writes
// and deletes laid over it in memory. Nothing reaches git from here; the pipeline commits
// `changes()` once the generation has finished.
import { InvalidInputError } from '../shared/errors.js';
import { checkPath } from './check-path.js';
import { formatBytes } from './format-bytes.js';
import type { TreeSource } from './tree-source.js';

export interface WorkspaceLimits {
  /** Largest file the model may write, in bytes. */
  maxFileBytes: number;
  /** Sum of the sizes of all files written by one generation, in bytes. */
  maxTotalBytes: number;
  /** Files one generation may create, change or delete. */
  maxChangedFiles: number;
}

export const DEFAULT_WORKSPACE_LIMITS: Readonly<WorkspaceLimits> = Object.freeze({
  maxFileBytes: 1024 * 1024,
  maxTotalBytes: 5 * 1024 * 1024,
  maxChangedFiles: 200,
});

/** One changed file: its new content, or null when it was deleted. */
export interface FileChange {
  path: string;
  content: Buffer | null;
}

export interface Workspace {
  /** Every file path as the model currently sees it, sorted. */
  list(): Promise<string[]>;
  /** The file's current bytes, or null when there is no such file. Throws InvalidInputError for a refused path. */
  read(path: string): Promise<Buffer | null>;
  /** Creates or replaces a file. Throws InvalidInputError (a message for the model) when refused. */
  write(path: string, content: string | Buffer): Promise<{ path: string; bytes: number; created: boolean }>;
  /** Deletes a file. Throws InvalidInputError when the path is refused or there is no such file. */
  delete(path: string): Promise<{ path: string }>;
  /** What differs from the source tree, sorted by path. Writes equal to the source are not changes. */
  changes(): FileChange[];
}

export function createWorkspace(source: TreeSource, limits: WorkspaceLimits = DEFAULT_WORKSPACE_LIMITS): Workspace {
  /** path → new content (null = deleted). Only real differences from the source are kept. */
  const overlay = new Map<string, Buffer | null>();
  let sourceFiles: Promise<Set<string>> | undefined;
  const sourceSet = () => (sourceFiles ??= source.listFiles().then((files) => new Set(files)));

  async function currentFiles(): Promise<Set<string>> {
    const files = new Set(await sourceSet());
    for (const [path, content] of overlay) {
      if (content === null) files.delete(path);
      else files.add(path);
    }
    return files;
  }

  function writtenBytes(except?: string): number {
    let total = 0;
    for (const [path, content] of overlay) if (content !== null && path !== except) total += content.length;
    return total;
  }

  /** git trees cannot hold a file and a folder of the same name. */
  function checkNoFileFolderClash(path: string, files: Set<string>): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (files.has(dir)) throw new InvalidInputError(`"${dir}" is a file, so "${path}" cannot be created inside it (delete "${dir}" first)`);
    }
    const prefix = `${path}/`;
    for (const f of files) {
      if (f.startsWith(prefix)) throw new InvalidInputError(`"${path}" is a folder (it holds "${f}"); choose another file name`);
    }
  }

  return {
    async list() {
      return [...(await currentFiles())].sort();
    },

    async read(rawPath) {
      const path = checkPath(rawPath);
      if (overlay.has(path)) {
        const content = overlay.get(path) ?? null;
        return content === null ? null : Buffer.from(content);
      }
      return (await sourceSet()).has(path) ? source.readFile(path) : null;
    },

    async write(rawPath, content) {
      const path = checkPath(rawPath);
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
      if (bytes.length > limits.maxFileBytes) {
        throw new InvalidInputError(
          `"${path}" would be ${formatBytes(bytes.length)}; a file may have at most ${formatBytes(limits.maxFileBytes)}. Write smaller files.`,
        );
      }
      const files = await currentFiles();
      checkNoFileFolderClash(path, files);
      const created = !files.has(path);

      const inSource = (await sourceSet()).has(path);
      const original = inSource ? await source.readFile(path) : null;
      if (original !== null && original.equals(bytes)) {
        // Writing back what main already has is no change: it must not make an empty commit.
        overlay.delete(path);
        return { path, bytes: bytes.length, created };
      }
      if (!overlay.has(path) && overlay.size + 1 > limits.maxChangedFiles) {
        throw new InvalidInputError(`a generation may change at most ${limits.maxChangedFiles} files, and ${overlay.size} are already changed`);
      }
      const total = writtenBytes(path) + bytes.length;
      if (total > limits.maxTotalBytes) {
        throw new InvalidInputError(
          `this write would bring the files written in this generation to ${formatBytes(total)}; the limit is ${formatBytes(limits.maxTotalBytes)}`,
        );
      }
      overlay.set(path, bytes);
      return { path, bytes: bytes.length, created };
    },

    async delete(rawPath) {
      const path = checkPath(rawPath);
      const files = await currentFiles();
      if (!files.has(path)) throw new InvalidInputError(`there is no file "${path}" to delete`);
      if ((await sourceSet()).has(path)) {
        if (!overlay.has(path) && overlay.size + 1 > limits.maxChangedFiles) {
          throw new InvalidInputError(`a generation may change at most ${limits.maxChangedFiles} files, and ${overlay.size} are already changed`);
        }
        overlay.set(path, null);
      } else {
        // Created earlier in this generation: deleting it leaves no trace.
        overlay.delete(path);
      }
      return { path };
    },

    changes() {
      return [...overlay.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([path, content]) => ({ path, content: content === null ? null : Buffer.from(content) }));
    },
  };
}
