// An app's bare repo in a backup: `git bundle create --all` (the refs as git read them at one moment and every object
// they reach, so a push landing meanwhile is either wholly in it or not at all) and, on restore, a new bare repo
// fetched from that bundle.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../shared/exec.js';
import { messageOf, SlipwayError } from '../shared/errors.js';

const NO_LIMIT = 6 * 60 * 60_000; // a bundle of a large repo takes as long as git needs; six hours is a stuck git

export interface RepoBundle {
  /** The branch HEAD names (`refs/heads/main`). */
  head: string;
  /** Every ref the bundle holds and the object it names (tags unpeeled). Empty: the repo had no refs, no bundle. */
  refs: Record<string, string>;
}

/** Writes the repo's bundle to `file` (nothing when the repo has no refs) and copies its config to `configFile`. */
export async function bundleRepo(gitdir: string, file: string, configFile: string): Promise<RepoBundle> {
  const git = (args: string[], okCodes = [0]) => exec('git', ['--git-dir', gitdir, ...args], { timeoutMs: NO_LIMIT, okCodes });
  const head = (await git(['symbolic-ref', 'HEAD'])).stdout.trim();
  await copyFile(join(gitdir, 'config'), configFile);
  const any = (await git(['for-each-ref', '--count=1', '--format=%(refname)', 'refs/'])).stdout.trim();
  if (!any) return { head, refs: {} };
  try {
    await git(['bundle', 'create', '--quiet', file, '--all']);
  } catch (e) {
    throw new SlipwayError('GIT', `git bundle of ${gitdir} failed: ${messageOf(e)}`, { cause: e });
  }
  const listed = (await exec('git', ['bundle', 'list-heads', file], { timeoutMs: NO_LIMIT })).stdout;
  const refs: Record<string, string> = {};
  for (const line of listed.split('\n')) {
    const [sha, ref] = line.trim().split(' ');
    if (sha && ref?.startsWith('refs/')) refs[ref] = sha;
  }
  return { head, refs };
}

export interface RestoreRepoInput {
  /** The new bare repo (must not exist). */
  gitdir: string;
  /** The bundle, or null for a repo that had no refs. */
  bundle: string | null;
  /** The repo's config as it was backed up (Slipway's settings in it are kept). */
  config: string;
  head: string;
  /** This Slipway's hooks: the backed-up repo names the hooks of the Slipway it came from. */
  hooksDir: string;
  /** What the refs must be once fetched (from the manifest). */
  refs: Record<string, string>;
}

export async function restoreRepo(input: RestoreRepoInput): Promise<void> {
  const { gitdir } = input;
  const git = (args: string[]) => exec('git', ['--git-dir', gitdir, ...args], { timeoutMs: NO_LIMIT });
  // No template: none of git's sample hooks or files, only what a repo needs.
  await exec('git', ['init', '--quiet', '--bare', '--template=', '--initial-branch=main', gitdir]);
  // Fetched before the backed-up config is in place, so no hook path of the other installation is ever used.
  if (input.bundle) await git(['fetch', '--quiet', '--no-write-fetch-head', '--no-auto-gc', input.bundle, '+refs/*:refs/*']);
  await writeFile(join(gitdir, 'config'), await readFile(input.config, 'utf8'), { mode: 0o600 });
  await git(['config', 'core.hooksPath', input.hooksDir]);
  await git(['symbolic-ref', 'HEAD', input.head]);
  const { stdout } = await git(['for-each-ref', '--format=%(refname) %(objectname)', 'refs/']);
  const got = Object.fromEntries(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  );
  const want = input.refs;
  const differs = Object.keys({ ...got, ...want }).filter((ref) => got[ref] !== want[ref]);
  if (differs.length > 0)
    throw new SlipwayError('GIT', `the repo restored at ${gitdir} does not have the refs its backup lists (${differs.slice(0, 5).join(', ')})`);
}
