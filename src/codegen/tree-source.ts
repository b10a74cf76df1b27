// The app's files at the head of `main`, as generation reads them. The pipeline implements this
// over the bare repo; tests and previews use the in-memory version below.

export interface TreeSource {
  /** Every file path in the tree (blobs only, `/`-separated, relative to the repo root), sorted. */
  listFiles(): Promise<string[]>;
  /** The file's bytes, or null when the tree has no file at `path`. */
  readFile(path: string): Promise<Buffer | null>;
}

/** A TreeSource over a fixed set of files (tests, and generation on an empty repo). */
export function createMemoryTreeSource(files: Readonly<Record<string, string | Buffer>>): TreeSource {
  // Copied once, so later changes to the caller's object or buffers cannot change what was read.
  const blobs = new Map<string, Buffer>();
  for (const [path, content] of Object.entries(files)) {
    blobs.set(path, Buffer.from(typeof content === 'string' ? Buffer.from(content, 'utf8') : content));
  }
  const sorted = [...blobs.keys()].sort();
  return {
    listFiles: async () => [...sorted],
    readFile: async (path) => {
      const blob = blobs.get(path);
      return blob === undefined ? null : Buffer.from(blob);
    },
  };
}
