// Reads an app repo's branches with their commits and commit times (one git process): what branch previews are
// planned from.
import { exec } from '../shared/exec.js';

export interface BranchEntry {
  /** `feature/login` (without refs/heads/). */
  branch: string;
  ref: string;
  sha: string;
  /** The commit's committer time (ISO). */
  committedAt: string;
}

export async function readBranches(gitdir: string): Promise<BranchEntry[]> {
  const { stdout } = await exec('git', ['--git-dir', gitdir, 'for-each-ref', '--format=%(refname) %(objectname) %(committerdate:iso-strict)', 'refs/heads/']);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ref, sha, committedAt] = line.split(' ') as [string, string, string];
      return { branch: ref.slice('refs/heads/'.length), ref, sha, committedAt: new Date(committedAt).toISOString() };
    });
}
