// A commit's tree as a tar stream, straight from the bare repo with `git archive`: no working copy is written.
// Modes (executable bits) and symlinks are kept. Attributes in the commit's .gitattributes apply as for any
// `git archive` (export-ignore drops files, export-subst expands placeholders).
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { isSha } from '../domain/types.js';
import { ExecError, messageOf } from '../shared/errors.js';
import { exec, tail } from '../shared/exec.js';
import { redact } from '../shared/redact.js';
import { CommitArchiveError } from './build-errors.js';

export interface CommitTarOptions {
  /** The bare repo, e.g. `DATA_DIR/repos/shop.git`. */
  gitdir: string;
  /** Full 40-hex commit id. */
  commit: string;
  /** Aborting destroys the stream and kills git. */
  signal?: AbortSignal;
  /** Environment of the git processes (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Resolves to a tar stream of the commit's tree once the commit is known to exist; rejects otherwise.
 * A later git failure destroys the stream with a CommitArchiveError instead of ending it, so a reader never
 * mistakes a truncated or empty archive for the whole tree. Destroying the stream kills git.
 */
export async function createCommitTar(options: CommitTarOptions): Promise<Readable> {
  const { gitdir, commit, signal, env } = options;
  // Only a full id: it also keeps anything starting with "-" from reaching git as an option.
  if (!isSha(commit)) throw new CommitArchiveError(commit, `cannot archive "${commit.slice(0, 60)}": expected a full 40-hex commit id`);
  signal?.throwIfAborted();

  // git archive of a missing commit fails only after the reader got an empty stream; checking first turns
  // the common case (unknown commit, wrong repo) into a plain rejection.
  try {
    await exec('git', [`--git-dir=${gitdir}`, 'cat-file', '-e', `${commit}^{commit}`], { env, timeoutMs: 30_000 });
  } catch (e) {
    const detail = e instanceof ExecError && e.stderrTail ? e.stderrTail : messageOf(e);
    throw new CommitArchiveError(commit, `commit ${commit} is not in ${gitdir}${detail ? `: ${detail}` : ''}`, { cause: e });
  }
  signal?.throwIfAborted();

  const child = spawn('git', [`--git-dir=${gitdir}`, 'archive', '--format=tar', commit], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = new PassThrough();
  const stderr: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => stderr.push(b));

  // `end: false`: the stream ends only once git has exited with 0 ('close' comes after stdout is drained).
  child.stdout.pipe(out, { end: false });
  child.on('error', (e) => out.destroy(new CommitArchiveError(commit, `cannot run git archive: ${e.message}`, { cause: e })));
  child.on('close', (code, sig) => {
    if (code === 0) {
      out.end();
      return;
    }
    if (out.destroyed) return; // the reader gave up first; git was killed for that
    const why = redact(tail(Buffer.concat(stderr).toString('utf8'), 10));
    out.destroy(
      new CommitArchiveError(commit, `git archive of ${commit} failed (${code === null ? `signal ${sig}` : `exit ${code}`})${why ? `: ${why}` : ''}`),
    );
  });

  // A reader that stops early (build aborted, Docker gone) must not leave git blocked on a full pipe.
  out.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  if (signal) {
    const onAbort = () => out.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    out.on('close', () => signal.removeEventListener('abort', onAbort));
  }
  return out;
}
