// Test helper: a bare repo with commits made by the real git CLI in a temporary folder.
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gitOk } from '../../helpers/git-cli.js';

export interface RepoFile {
  path: string;
  content?: string | Buffer;
  executable?: boolean;
  /** Makes `path` a symlink to this target instead of a file. */
  symlinkTo?: string;
}

export interface TestRepo {
  /** The bare repo. */
  gitdir: string;
  /** The working copy the commits are made in (its `.git` is a non-bare gitdir). */
  work: string;
  /** Writes files (and deletes `remove`), commits, pushes to the bare repo; returns the commit id. */
  commit(files: readonly RepoFile[], options?: { message?: string; remove?: readonly string[] }): Promise<string>;
}

export async function makeBareRepo(dir: string, files: readonly RepoFile[]): Promise<TestRepo & { first: string }> {
  const work = join(dir, 'work');
  const gitdir = join(dir, 'app.git');
  await gitOk(['init', '-q', '-b', 'main', work]);
  await gitOk(['init', '-q', '--bare', '-b', 'main', gitdir]);
  const repo: TestRepo = {
    gitdir,
    work,
    async commit(more, options = {}) {
      for (const f of more) {
        const target = join(work, f.path);
        mkdirSync(dirname(target), { recursive: true });
        rmSync(target, { force: true });
        if (f.symlinkTo !== undefined) symlinkSync(f.symlinkTo, target);
        else {
          writeFileSync(target, f.content ?? '');
          chmodSync(target, f.executable ? 0o755 : 0o644);
        }
      }
      for (const p of options.remove ?? []) rmSync(join(work, p), { force: true, recursive: true });
      await gitOk(['add', '-A'], { cwd: work });
      await gitOk(['commit', '-q', '--allow-empty', '-m', options.message ?? 'change'], { cwd: work });
      await gitOk(['push', '-q', gitdir, 'main'], { cwd: work });
      return (await gitOk(['rev-parse', 'HEAD'], { cwd: work })).stdout.trim();
    },
  };
  const first = await repo.commit(files, { message: 'first' });
  return { ...repo, first };
}
