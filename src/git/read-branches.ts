// Reads an app repo's branches with their commits (in-process, src/git/read-refs.ts), and, for the few that need
// it, their commits' times (one git process): what branch previews are planned from.
import { exec } from '../shared/exec.js';
import { readRefs } from './read-refs.js';

export interface BranchEntry {
  /** `feature/login` (without refs/heads/). */
  branch: string;
  ref: string;
  sha: string;
}

export async function readBranches(gitdir: string): Promise<BranchEntry[]> {
  return (await readRefs(gitdir))
    .filter((r) => r.ref.startsWith('refs/heads/'))
    .map((r) => ({ branch: r.ref.slice('refs/heads/'.length), ref: r.ref, sha: r.sha }));
}

/** The committer time (ISO) of each commit named; none asked, no process. */
export async function readCommitTimes(gitdir: string, commits: readonly string[]): Promise<Map<string, string>> {
  const times = new Map<string, string>();
  if (commits.length === 0) return times;
  const { stdout } = await exec('git', ['--git-dir', gitdir, 'log', '--no-walk=unsorted', '--format=%H %cI', ...new Set(commits), '--']);
  for (const line of stdout.split('\n').filter(Boolean)) {
    const [sha, at] = line.split(' ') as [string, string];
    times.set(sha, new Date(at).toISOString());
  }
  return times;
}
