// Creates an app's bare repo with main as HEAD, the project's hooks, and a first commit from a template.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname } from 'node:path';
import git from 'isomorphic-git';
import { ConflictError } from '../shared/errors.js';
import { writeTreeFromDir } from './write-tree-from-dir.js';

export interface CreateRepoInput {
  gitdir: string;
  templateDir: string;
  hooksDir: string;
  message: string;
  author: { name: string; email: string };
}

export async function createRepo(input: CreateRepoInput): Promise<string> {
  const { gitdir } = input;
  const taken = () => new ConflictError(`an app named ${basename(gitdir, '.git')} already exists`, 'APP_EXISTS');
  if (fs.existsSync(gitdir)) throw taken();
  await fs.promises.mkdir(dirname(gitdir), { recursive: true });
  // Build in a temporary folder and rename, so a crash never leaves a half-made repo under its real name. Two
  // creates of one name race to the rename: the loser's fails (the name is a full folder by then).
  const tmp = `${gitdir}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await git.init({ fs, gitdir: tmp, bare: true, defaultBranch: 'main' });
    const setConfig = (path: string, value: string | boolean) => git.setConfig({ fs, gitdir: tmp, path, value });
    await setConfig('core.hooksPath', input.hooksDir);
    await setConfig('receive.advertisePushOptions', true);
    await setConfig('receive.denyDeleteCurrent', 'refuse');
    await setConfig('http.receivepack', true);
    const tree = await writeTreeFromDir(tmp, input.templateDir);
    const who = { ...input.author, timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 };
    const commit = await git.commit({ fs, gitdir: tmp, ref: 'refs/heads/main', tree, parent: [], message: input.message, author: who, committer: who });
    await fs.promises.rename(tmp, gitdir);
    return commit;
  } catch (e) {
    await fs.promises.rm(tmp, { recursive: true, force: true });
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw taken();
    throw e;
  }
}
