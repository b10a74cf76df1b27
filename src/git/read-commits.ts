// Commit metadata read with `git log` in one process: subject, author, date, the Slipway-Generation trailer
// (which generation wrote it), and optionally the whole message. Shared by the history viewer, the commit page
// and the "what will change" view.
import { exec } from '../shared/exec.js';

export interface CommitInfo {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  /** ISO 8601 with offset. */
  authoredAt: string;
  subject: string;
  /** The message after the subject line (empty unless asked for). */
  body: string;
  /** The Slipway-Generation trailer: the generation that wrote this commit. */
  generationId: string | null;
}

const FIELDS = ['%H', '%P', '%an', '%ae', '%aI', '%s', '%(trailers:key=Slipway-Generation,valueonly,separator=%x2C)'];

/** The `--format` that parseCommits reads; NUL between commits (`-z`), US between fields, body last. */
export function commitFormat(withBody: boolean): string {
  return [...FIELDS, withBody ? '%b' : ''].join('%x1f');
}

export function parseCommits(stdout: string): CommitInfo[] {
  return stdout
    .split('\0')
    .filter((record) => record.trim() !== '')
    .map((record) => {
      const [sha = '', parents = '', authorName = '', authorEmail = '', authoredAt = '', subject = '', trailer = '', ...rest] = record
        .replace(/^\n/, '')
        .split('\x1f');
      return {
        sha,
        parents: parents.split(' ').filter(Boolean),
        authorName,
        authorEmail,
        authoredAt,
        subject,
        body: rest.join('\x1f').trim(),
        generationId: trailer.trim().split(',')[0]?.trim() || null,
      };
    });
}

/** The named commits (any order, duplicates allowed), as a map by full sha; unknown ones are left out. */
export async function readCommits(gitdir: string, shas: readonly string[], options: { withBody?: boolean } = {}): Promise<Map<string, CommitInfo>> {
  const wanted = [...new Set(shas.filter((s) => /^[0-9a-f]{40}$/.test(s)))];
  const out = new Map<string, CommitInfo>();
  if (wanted.length === 0) return out;
  const r = await exec('git', ['--git-dir', gitdir, 'log', '--no-walk=unsorted', '-z', `--format=${commitFormat(options.withBody ?? false)}`, '--stdin'], {
    input: `${wanted.join('\n')}\n`,
    okCodes: [0, 128],
  });
  if (r.code !== 0) {
    // One unknown sha fails the whole call: fall back to asking one by one.
    for (const sha of wanted) {
      const one = await exec('git', ['--git-dir', gitdir, 'log', '--no-walk', '-z', `--format=${commitFormat(options.withBody ?? false)}`, sha, '--'], {
        okCodes: [0, 128],
      });
      for (const c of one.code === 0 ? parseCommits(one.stdout) : []) out.set(c.sha, c);
    }
    return out;
  }
  for (const c of parseCommits(r.stdout)) out.set(c.sha, c);
  return out;
}
