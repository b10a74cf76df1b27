// The files of a commit under a folder (every level below it), as paths from the repo's root: how an agent finds
// what to read before it asks for a change.
import { exec } from '../shared/exec.js';

export async function listFilesAt(gitdir: string, commit: string, folder: string, limit: number): Promise<{ paths: string[]; truncated: boolean }> {
  const args = ['--git-dir', gitdir, '-c', 'core.quotepath=false', 'ls-tree', '-r', '-z', '--name-only', commit];
  // A literal pathspec: the folder name is data, never a glob or magic.
  if (folder !== '') args.push('--', `:(literal)${folder.replace(/\/+$/, '')}`);
  const r = await exec('git', args);
  const paths = r.stdout.split('\0').filter(Boolean);
  return { paths: paths.slice(0, limit), truncated: paths.length > limit };
}
