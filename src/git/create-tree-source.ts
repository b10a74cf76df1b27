// Read access to an app's files at one commit of its bare repo (what the model's tools see).
import fs from 'node:fs';
import git from 'isomorphic-git';

export interface CommitTreeSource {
  listFiles(): Promise<string[]>;
  readFile(path: string): Promise<Buffer | null>;
}

export function createTreeSource(gitdir: string, commit: string): CommitTreeSource {
  const cache = {}; // isomorphic-git's pack cache, shared by the reads of one generation
  return {
    listFiles: () => git.listFiles({ fs, gitdir, ref: commit, cache }),
    async readFile(path) {
      try {
        const { blob } = await git.readBlob({ fs, gitdir, oid: commit, filepath: path, cache });
        return Buffer.from(blob);
      } catch (e) {
        if ((e as { code?: string }).code === 'NotFoundError') return null;
        throw e;
      }
    },
  };
}
