// Several commit names (shas, tags, branches) resolved to full commit ids in one `git cat-file` process: a page
// that compares two names pays for one process start, not two.
import { exec } from '../shared/exec.js';

/** The commit each name points at, or null when it names no commit (unknown, ambiguous, or not a commit). */
export async function resolveCommits(gitdir: string, names: readonly string[]): Promise<(string | null)[]> {
  if (names.length === 0) return [];
  // Names go on stdin, one per line, so none can be read as an option; a newline would split one in two.
  if (names.some((n) => n.includes('\n') || n === '')) return names.map(() => null);
  const r = await exec('git', ['--git-dir', gitdir, 'cat-file', '--batch-check=%(objectname) %(objecttype)'], {
    input: names.map((n) => `${n}^{commit}\n`).join(''),
  });
  const lines = r.stdout.split('\n');
  return names.map((_, i) => {
    const m = /^([0-9a-f]{40}) commit$/.exec(lines[i] ?? '');
    return m ? m[1]! : null;
  });
}
