// Reads refs of a bare repo with the git CLI (fast, and honest about packed refs).
import { exec } from '../shared/exec.js';
import { quarantineEnv, type Quarantine } from './quarantine-env.js';

export interface RefEntry {
  ref: string;
  sha: string;
}

/** Every ref under refs/ with its commit (annotated tags peeled). */
export async function readRefs(gitdir: string): Promise<RefEntry[]> {
  const { stdout } = await exec('git', ['--git-dir', gitdir, 'for-each-ref', '--format=%(refname) %(objectname) %(*objectname)', 'refs/']);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ref, sha, peeled] = line.split(' ') as [string, string, string | undefined];
      return { ref, sha: peeled || sha };
    });
}

/**
 * The commit a ref, a sha or a tag object names (annotated tags peeled); null when it names no commit. During
 * pre-receive, `quarantine` lets git read the pushed objects before any ref moves.
 */
export async function resolveRef(gitdir: string, ref: string, quarantine?: Quarantine): Promise<string | null> {
  const { stdout, code } = await exec('git', ['--git-dir', gitdir, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    okCodes: [0, 1, 128],
    ...(quarantine ? { env: quarantineEnv(gitdir, quarantine) } : {}),
  });
  return code === 0 ? stdout.trim() : null;
}
