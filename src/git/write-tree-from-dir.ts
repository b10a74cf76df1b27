// Writes a folder's files into a bare repo as blobs and trees, without a working copy.
import fs from 'node:fs';
import { join } from 'node:path';
import git, { type TreeEntry } from 'isomorphic-git';

/** Returns the oid of the tree holding everything under `dir` (symlinks and empty folders are skipped). */
export async function writeTreeFromDir(gitdir: string, dir: string): Promise<string> {
  const entries: TreeEntry[] = [];
  for (const dirent of await fs.promises.readdir(dir, { withFileTypes: true })) {
    const path = join(dir, dirent.name);
    if (dirent.name === '.git') continue;
    if (dirent.isDirectory()) {
      const oid = await writeTreeFromDir(gitdir, path);
      const { tree } = await git.readTree({ fs, gitdir, oid });
      if (tree.length > 0) entries.push({ mode: '040000', path: dirent.name, oid, type: 'tree' });
    } else if (dirent.isFile()) {
      const stat = await fs.promises.stat(path);
      const oid = await git.writeBlob({ fs, gitdir, blob: await fs.promises.readFile(path) });
      entries.push({ mode: stat.mode & 0o111 ? '100755' : '100644', path: dirent.name, oid, type: 'blob' });
    }
  }
  return git.writeTree({ fs, gitdir, tree: entries });
}
