// A ref's value as the commit it names: annotated tags are peeled (during pre-receive, from the quarantine).
import { exec } from '../shared/exec.js';
import { quarantineEnv, type Quarantine } from './quarantine-env.js';

/** The commit `sha` names (itself, or what a tag points at); null when it names no commit. */
export async function peelToCommit(gitdir: string, sha: string, quarantine?: Quarantine): Promise<string | null> {
  const { stdout, code } = await exec('git', ['--git-dir', gitdir, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${sha}^{commit}`], {
    okCodes: [0, 1, 128],
    ...(quarantine ? { env: quarantineEnv(gitdir, quarantine) } : {}),
  });
  return code === 0 ? stdout.trim() : null;
}
