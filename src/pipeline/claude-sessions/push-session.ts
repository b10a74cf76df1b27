// "Push" of a Claude Code session: what the CLI left uncommitted becomes a commit, every commit since `main` gets the
// `Generated-By: claude-code` trailer (written again with it when it lacks one; authors kept, the person commits),
// and the result goes to `main` through the server's own git endpoint as the person: the same bridge, pre-receive
// rules and intake as their `git push`, so the preview builds and the history shows who. A push refused because
// `main` moved loses nothing: the working copy stays, and "Pull" puts the session's commits on the new `main`.
import type { Actor } from '../../domain/actor.js';
import { withGeneratedByTrailer } from '../../domain/claude-session-rules.js';
import { exec } from '../../shared/exec.js';
import { newToken } from '../../shared/ids.js';
import { redact, registerSecret } from '../../shared/redact.js';
import type { PipelineDeps } from '../deps.js';

export interface PushOutcome {
  ok: boolean;
  message: string;
  /** The commit `main` points at after a push that went through. */
  head?: string;
}

export interface PushDeps extends Pick<PipelineDeps, 'config' | 'store' | 'log'> {
  serverUrl: () => string;
}

interface SessionRef {
  id: string;
  app: string;
  owner: { personId: string; name: string; email: string };
}

const TOKEN_MINUTES = 10;

export async function pushSession(deps: PushDeps, session: SessionRef, work: string, by: Actor): Promise<PushOutcome> {
  const git = gitIn(deps, work, session.owner);
  // What the CLI did not commit is committed now, so nothing it wrote is left behind.
  if ((await git(['status', '--porcelain'])).stdout.trim() !== '') {
    await git(['add', '--all']);
    await git(['commit', '--quiet', '--no-verify', '-m', withGeneratedByTrailer('Changes from a Claude Code session')]);
  }
  await git(['fetch', '--quiet', 'origin', 'main']);
  const base = (await git(['merge-base', 'HEAD', 'origin/main'])).stdout.trim();
  const commits = (await git(['rev-list', '--reverse', '--parents', `${base}..HEAD`])).stdout.trim();
  if (commits === '') return { ok: true, message: 'nothing to push: the session has no commits that main lacks' };
  const head = await addTrailers(git, base, commits.split('\n'));
  if (head !== (await git(['rev-parse', 'HEAD'])).stdout.trim()) await git(['reset', '--quiet', '--soft', head]);

  // A token of the person's, for this push alone: narrowed to the app and to git pushes, gone when it is done.
  const token = newToken();
  registerSecret(token);
  const record = deps.store.tokens.add(
    {
      name: `claude session ${session.id} ${Date.now()}`,
      personId: session.owner.personId,
      app: session.app,
      scopes: ['git:push'],
      expiresAt: new Date(Date.now() + TOKEN_MINUTES * 60_000).toISOString(),
    },
    token,
  );
  try {
    const url = `${deps.serverUrl()}/git/${session.app}.git`;
    const result = await git(['push', '--porcelain', url, 'HEAD:refs/heads/main'], {
      okCodes: [0, 1],
      // The token goes in a header git is given through its environment: never in the URL, the arguments or the
      // working copy's config, where the CLI could read it.
      extraEnv: {
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'http.extraHeader',
        GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`claude:${token}`).toString('base64')}`,
        GIT_TERMINAL_PROMPT: '0',
      },
    });
    const said = remoteLines(result.stderr);
    if (result.code !== 0) {
      const moved = /\[rejected\]|non-fast-forward|fetch first/.test(result.stdout + result.stderr);
      return {
        ok: false,
        message: moved
          ? 'main moved since this session last pulled, so the push was refused; nothing is lost: press "Pull" to put the session\'s commits on the new main, then push again'
          : `the push was refused: ${said || redact(result.stderr.trim().split('\n').slice(-3).join(' '))}`,
      };
    }
    await git(['fetch', '--quiet', 'origin', 'main']);
    deps.log.info('Claude Code session pushed', { app: session.app, id: session.id, by: by.name, head });
    return { ok: true, head, message: `pushed ${commits.split('\n').length} commit(s) to main (${head.slice(0, 7)}); the preview builds now` };
  } finally {
    deps.store.tokens.revoke(record.id);
  }
}

/** Puts the session's commits on the newest `main` (git pull --rebase); a conflict leaves the working copy as it was. */
export async function pullSession(deps: Pick<PushDeps, 'config'>, work: string): Promise<PushOutcome> {
  const env = { PATH: deps.config.path, GIT_TERMINAL_PROMPT: '0' };
  const dirty = (await exec('git', ['status', '--porcelain'], { cwd: work, env })).stdout.trim() !== '';
  if (dirty) return { ok: false, message: 'the working copy has uncommitted changes: push them first (Push commits them), or let the CLI commit them' };
  const result = await exec('git', ['pull', '--quiet', '--rebase', 'origin', 'main'], { cwd: work, env, okCodes: [0, 1, 128] });
  if (result.code === 0) return { ok: true, message: "the session's commits are on the newest main now: press Push" };
  await exec('git', ['rebase', '--abort'], { cwd: work, env, okCodes: [0, 1, 128] });
  return {
    ok: false,
    message: `the session's commits clash with main's new commits (${redact(result.stderr.trim().split('\n').slice(-2).join(' '))}); the working copy is as it was: ask the CLI to resolve it (git pull --rebase origin main)`,
  };
}

type Git = (args: string[], options?: { okCodes?: number[]; extraEnv?: Record<string, string> }) => ReturnType<typeof exec>;

function gitIn(deps: Pick<PushDeps, 'config'>, work: string, owner: SessionRef['owner']): Git {
  return (args, options = {}) =>
    exec('git', args, {
      cwd: work,
      okCodes: options.okCodes ?? [0],
      env: {
        PATH: deps.config.path,
        GIT_COMMITTER_NAME: owner.name,
        GIT_COMMITTER_EMAIL: owner.email,
        GIT_AUTHOR_NAME: owner.name,
        GIT_AUTHOR_EMAIL: owner.email,
        ...options.extraEnv,
      },
    });
}

/**
 * Writes again, oldest first, each commit whose message lacks the trailer (same tree and author; the person as
 * committer), on top of the ones written before it. Returns the new head. A merge commit is kept as it is (with its
 * parents mapped), since its message is git's own.
 */
async function addTrailers(git: Git, base: string, lines: string[]): Promise<string> {
  const mapped = new Map<string, string>();
  let head = base;
  for (const line of lines) {
    const [sha, ...parents] = line.split(' ') as [string, ...string[]];
    const [tree, authorName, authorEmail, authorDate, message] = (await git(['log', '-1', '--format=%T%x00%an%x00%ae%x00%aI%x00%B', sha])).stdout.split(
      '\0',
    ) as [string, string, string, string, string];
    const newParents = parents.map((p) => mapped.get(p) ?? p);
    const wanted = parents.length > 1 ? message : withGeneratedByTrailer(message);
    if (wanted === message && newParents.every((p, i) => p === parents[i])) {
      mapped.set(sha, sha);
      head = sha;
      continue;
    }
    const written = await git(['commit-tree', tree, ...newParents.flatMap((p) => ['-p', p]), '-m', wanted.replace(/\n$/, '')], {
      extraEnv: { GIT_AUTHOR_NAME: authorName, GIT_AUTHOR_EMAIL: authorEmail, GIT_AUTHOR_DATE: authorDate },
    });
    head = written.stdout.trim();
    mapped.set(sha, head);
  }
  return head;
}

/** The `remote:` lines of git's answer (the pre-receive's reasons), as one line. */
function remoteLines(stderr: string): string {
  return redact(
    stderr
      .split('\n')
      .filter((l) => l.startsWith('remote:'))
      .map((l) => l.replace(/^remote:\s*/, '').trim())
      .filter(Boolean)
      .slice(-5)
      .join(' '),
  );
}
