// Reads one file of a commit from a bare repo (null when the commit has no such file).
import { exec } from '../shared/exec.js';

export async function readFileAt(gitdir: string, commit: string, path: string): Promise<string | null> {
  const r = await exec('git', ['--git-dir', gitdir, 'cat-file', '-p', `${commit}:${path}`], { okCodes: [0, 128] });
  return r.code === 0 ? r.stdout : null;
}
