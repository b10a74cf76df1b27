// Where one commit stands relative to another, from git's ancestry: what moving a ref from `from` to `to` does.
import type { ChangeDirection } from '../domain/decide-production-move.js';
import { exec } from '../shared/exec.js';
import { quarantineEnv, type Quarantine } from './quarantine-env.js';

export async function readDirection(gitdir: string, from: string | null, to: string, quarantine?: Quarantine): Promise<ChangeDirection> {
  if (!from) return 'first';
  if (from === to) return 'none';
  const env = quarantine ? { env: quarantineEnv(gitdir, quarantine) } : {};
  const isAncestor = async (a: string, b: string) =>
    (await exec('git', ['--git-dir', gitdir, 'merge-base', '--is-ancestor', a, b], { okCodes: [0, 1], ...env })).code === 0;
  if (await isAncestor(from, to)) return 'forward';
  if (await isAncestor(to, from)) return 'back';
  return 'sideways';
}
