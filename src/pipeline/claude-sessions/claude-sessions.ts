// Interactive Claude Code sessions: per app, a working copy of `main` in a private folder and the CLI running in it
// in a pseudo-terminal, which the app page shows over a WebSocket. The terminal outlives the page (a page that
// connects again gets the recent output replayed); the CLI's commits reach `main` only when the person pushes
// (push-session.ts), or when the CLI ends. At most SLIPWAY_MAX_CLAUDE_SESSIONS run at once, each under a memory limit
// and an idle timeout; on shutdown the processes end and the working copies stay until their session is closed.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as pty from 'node-pty';
import type { Actor } from '../../domain/actor.js';
import { claudeCliState, refuseNewSession, trimScrollback } from '../../domain/claude-session-rules.js';
import { repoPath } from '../../git/repo-path.js';
import { ConflictError, ForbiddenError, messageOf, NotFoundError, TooManySessionsError } from '../../shared/errors.js';
import { exec } from '../../shared/exec.js';
import { newId } from '../../shared/ids.js';
import type { PipelineDeps } from '../deps.js';
import { createAuditRecorder } from '../audit.js';
import { createMemoryCgroups, type MemoryCgroup, type MemoryCgroups, type MemoryLimitStatus } from './memory-cgroup.js';
import { pullSession, pushSession, type PushOutcome } from './push-session.js';

export type SessionState = 'running' | 'ended';

/** Who opened a session: only they may use it; its commits are theirs. */
export interface SessionOwner {
  personId: string;
  name: string;
  email: string;
}

export interface SessionView {
  id: string;
  app: string;
  owner: SessionOwner;
  startedAt: string;
  state: SessionState;
  /** How it ended: the exit code, the idle timeout, the server stopping. */
  ended: string | null;
  /** The last push or pull, as the page says it. */
  lastPush: PushOutcome | null;
  /** Whether the process runs under the memory limit (false: no cgroup could be made, said on the about page). */
  memoryLimited: boolean;
}

/** A page's connection to a session's terminal. */
export interface TerminalClient {
  output(data: string): void;
  /** The process ended (the page says so and stops sending). */
  ended(reason: string): void;
}

export interface TerminalAttachment {
  write(data: string): void;
  resize(cols: number, rows: number): void;
  detach(): void;
}

export interface ClaudeSessions {
  /** Whether sessions can open here at all, and why not (no CLI installed, turned off). */
  available(): { ok: true } | { ok: false; reason: string };
  open(app: string, owner: SessionOwner, by: Actor): Promise<SessionView>;
  list(app: string): SessionView[];
  /** The session, when `personId` opened it (404 otherwise: another's session is not shown). */
  get(id: string, app: string, personId: string): SessionView;
  /** Replays the recent output to the client, then follows. */
  attach(id: string, client: TerminalClient): TerminalAttachment;
  push(id: string, by: Actor): Promise<PushOutcome>;
  pull(id: string): Promise<PushOutcome>;
  /** Ends the process (if it runs) and removes the working copy. */
  close(id: string, by: Actor): Promise<void>;
  memoryLimit(): Promise<MemoryLimitStatus>;
  /** Server shutdown: every process ends (its whole process group); working copies stay. */
  shutdown(): Promise<void>;
}

export interface ClaudeSessionsOptions {
  /** The server's own URL on loopback (pushes go through its git endpoint, as a person's push does). */
  serverUrl: () => string;
  memoryCgroups?: MemoryCgroups;
}

interface Session {
  view: SessionView;
  dir: string;
  process: pty.IPty | null;
  cgroup: MemoryCgroup | null;
  scrollback: string[];
  clients: Set<TerminalClient>;
  lastActivity: number;
  /** Set when the server (not the CLI) ends it: the CLI's ending then pushes nothing. */
  stopping: boolean;
  exited: Promise<void>;
}

const SCROLLBACK_BYTES = 256 * 1024;
const KILL_WAIT_MS = 3000;

/** Where sessions keep their working copies: DATA_DIR/claude-sessions/ID/{work,home}, private to Slipway's user. */
export function sessionsDir(dataDir: string): string {
  return join(dataDir, 'claude-sessions');
}

export async function createClaudeSessions(deps: Pick<PipelineDeps, 'config' | 'store' | 'log'>, options: ClaudeSessionsOptions): Promise<ClaudeSessions> {
  const { config, store } = deps;
  const settings = config.claudeSessions;
  const log = deps.log.child('claude-sessions');
  const cgroups = options.memoryCgroups ?? createMemoryCgroups();
  const sessions = new Map<string, Session>();
  const recordAudit = createAuditRecorder(deps);
  const root = sessionsDir(config.dataDir);
  await mkdir(root, { recursive: true, mode: 0o700 });
  // Sessions left by the last run (its processes ended with it): listed as ended, their work can still be pushed.
  for (const id of await readdir(root)) {
    const meta = await readFile(join(root, id, 'session.json'), 'utf8').catch(() => null);
    if (meta === null) continue;
    try {
      const view = JSON.parse(meta) as SessionView;
      if (store.apps.get(view.app) === undefined) continue;
      sessions.set(id, idle({ ...view, state: 'ended', ended: view.ended ?? 'the server stopped' }, join(root, id)));
    } catch (e) {
      log.warn('a session folder has no readable record; left alone', { id, error: messageOf(e) });
    }
  }

  const timer = setInterval(
    () => {
      const now = Date.now();
      for (const s of sessions.values())
        if (s.process && !s.stopping && now - s.lastActivity > settings.idleMs)
          void stop(s, `no input or output for ${Math.round(settings.idleMs / 60_000)} minutes (SLIPWAY_CLAUDE_IDLE_MINUTES)`);
    },
    Math.min(30_000, settings.idleMs),
  );
  timer.unref();

  function idle(view: SessionView, dir: string): Session {
    return { view, dir, process: null, cgroup: null, scrollback: [], clients: new Set(), lastActivity: Date.now(), stopping: false, exited: Promise.resolve() };
  }

  function find(id: string): Session {
    const s = sessions.get(id);
    if (!s) throw new NotFoundError(`no Claude Code session ${id}`);
    return s;
  }

  function running(): number {
    return [...sessions.values()].filter((s) => s.process !== null).length;
  }

  async function saveView(s: Session): Promise<void> {
    await writeFile(join(s.dir, 'session.json'), JSON.stringify(s.view), { mode: 0o600 });
  }

  function emit(s: Session, data: string): void {
    s.lastActivity = Date.now();
    s.scrollback.push(data);
    trimScrollback(s.scrollback, SCROLLBACK_BYTES);
    for (const c of s.clients) c.output(data);
  }

  /** Ends the process group: TERM, then KILL if it lingers. */
  async function stop(s: Session, reason: string): Promise<void> {
    const child = s.process;
    if (!child) return;
    s.stopping = true;
    s.view.ended = reason;
    signalGroup(child.pid, 'SIGTERM');
    const late = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_WAIT_MS);
    await s.exited;
    clearTimeout(late);
  }

  async function start(s: Session): Promise<void> {
    const command = settings.command!;
    const cgroup = await cgroups.open(`slipway-claude-${s.view.id}`, settings.memoryBytes).catch((e: unknown) => {
      log.warn('no memory cgroup for a Claude Code session', { id: s.view.id, error: messageOf(e) });
      return null;
    });
    s.cgroup = cgroup;
    s.view.memoryLimited = cgroup !== null;
    // The shell moves itself into the cgroup, then becomes the CLI: every process the CLI starts is inside.
    const [file, args] = cgroup ? ['/bin/sh', ['-c', 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"', 'sh', cgroup.dir, command]] : [command, []];
    const home = join(s.dir, 'home');
    const child = pty.spawn(file, args, {
      name: 'xterm-256color',
      cols: 100,
      rows: 30,
      cwd: join(s.dir, 'work'),
      // Only what the CLI needs: none of the server's own secrets (hook secret, tokens) reach it.
      env: {
        PATH: config.path,
        HOME: home,
        TERM: 'xterm-256color',
        LANG: 'C.UTF-8',
        GIT_AUTHOR_NAME: s.view.owner.name,
        GIT_AUTHOR_EMAIL: s.view.owner.email,
        GIT_COMMITTER_NAME: s.view.owner.name,
        GIT_COMMITTER_EMAIL: s.view.owner.email,
        DISABLE_AUTOUPDATER: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        ...(config.codegen.apiKey ? { ANTHROPIC_API_KEY: config.codegen.apiKey } : {}),
        ...(config.codegen.baseURL ? { ANTHROPIC_BASE_URL: config.codegen.baseURL } : {}),
      },
    });
    s.process = child;
    s.lastActivity = Date.now();
    s.exited = new Promise<void>((resolve) => {
      child.onExit(({ exitCode, signal }) => {
        void ended(s, exitCode, signal).finally(resolve);
      });
    });
    child.onData((data) => emit(s, data));
  }

  async function ended(s: Session, exitCode: number, signal: number | undefined): Promise<void> {
    s.process = null;
    s.view.state = 'ended';
    s.view.ended ??= signal ? `the CLI was stopped (signal ${signal})` : `the CLI exited with code ${exitCode}`;
    await s.cgroup?.close();
    s.cgroup = null;
    // The CLI ended by itself: its work goes to main, as "Push" would.
    if (!s.stopping) {
      try {
        s.view.lastPush = await pushSession(pushDeps, s.view, join(s.dir, 'work'), {
          personId: s.view.owner.personId,
          name: s.view.owner.name,
          token: null,
          address: null,
        });
      } catch (e) {
        s.view.lastPush = { ok: false, message: `the push after the CLI ended failed: ${messageOf(e)}` };
      }
      emit(s, `\r\n[slipway] ${s.view.lastPush.message}\r\n`);
    }
    await saveView(s).catch(() => undefined);
    for (const c of s.clients) c.ended(s.view.ended);
  }

  const pushDeps = { config, store, log, serverUrl: options.serverUrl };

  function available(): { ok: true } | { ok: false; reason: string } {
    if (settings.command === null)
      return { ok: false, reason: 'the Claude Code CLI is not installed on this server (run scripts/setup-claude-cli.sh, or set SLIPWAY_CLAUDE_COMMAND)' };
    if (settings.max === 0) return { ok: false, reason: 'Claude Code sessions are off on this server (SLIPWAY_MAX_CLAUDE_SESSIONS=0)' };
    return { ok: true };
  }

  return {
    available,

    async open(app, owner, by) {
      const ready = available();
      if (!ready.ok) throw new ConflictError(ready.reason);
      const refused = refuseNewSession(running(), settings.max);
      if (refused) throw new TooManySessionsError(refused);
      const id = newId('ses');
      const dir = join(root, id);
      await mkdir(join(dir, 'home'), { recursive: true, mode: 0o700 });
      const view: SessionView = { id, app, owner, startedAt: new Date().toISOString(), state: 'running', ended: null, lastPush: null, memoryLimited: false };
      const s = idle(view, dir);
      // Counted from here, so two opening at once cannot both pass the limit.
      s.process = PLACEHOLDER;
      sessions.set(id, s);
      try {
        await exec('git', ['clone', '--quiet', '--branch', 'main', '--', repoPath(config.dataDir, app), join(dir, 'work')], { env: { PATH: config.path } });
        for (const [key, value] of [
          ['user.name', owner.name],
          ['user.email', owner.email],
        ] as const)
          await exec('git', ['config', key, value], { cwd: join(dir, 'work'), env: { PATH: config.path } });
        await writeFile(join(dir, 'home', '.claude.json'), JSON.stringify(claudeCliState(join(dir, 'work'), config.codegen.apiKey)), { mode: 0o600 });
        await saveView(s);
        await start(s);
      } catch (e) {
        sessions.delete(id);
        await rm(dir, { recursive: true, force: true });
        throw e;
      }
      recordAudit(by, 'claude-session.opened', { app, target: id });
      log.info('Claude Code session opened', { app, id, person: owner.name, memoryLimited: view.memoryLimited });
      return view;
    },

    list(app) {
      return [...sessions.values()].filter((s) => s.view.app === app).map((s) => s.view);
    },

    get(id, app, personId) {
      const s = sessions.get(id);
      if (!s || s.view.app !== app) throw new NotFoundError(`no Claude Code session ${id} in ${app}`);
      if (s.view.owner.personId !== personId) throw new ForbiddenError(`this Claude Code session is ${s.view.owner.name}'s: only they may use it`);
      return s.view;
    },

    attach(id, client) {
      const s = find(id);
      for (const chunk of s.scrollback) client.output(chunk);
      if (!s.process) {
        client.ended(s.view.ended ?? 'the session has ended');
        return { write: () => undefined, resize: () => undefined, detach: () => undefined };
      }
      s.clients.add(client);
      return {
        write(data) {
          s.lastActivity = Date.now();
          s.process?.write(data);
        },
        resize(cols, rows) {
          if (Number.isInteger(cols) && Number.isInteger(rows) && cols > 0 && rows > 0 && cols <= 1000 && rows <= 1000) s.process?.resize(cols, rows);
        },
        detach() {
          s.clients.delete(client);
        },
      };
    },

    async push(id, by) {
      const s = find(id);
      s.view.lastPush = await pushSession(pushDeps, s.view, join(s.dir, 'work'), by);
      if (s.view.lastPush.ok && s.view.lastPush.head)
        recordAudit(by, 'claude-session.pushed', { app: s.view.app, target: id, detail: { head: s.view.lastPush.head } });
      await saveView(s);
      emit(s, `\r\n[slipway] ${s.view.lastPush.message}\r\n`);
      return s.view.lastPush;
    },

    async pull(id) {
      const s = find(id);
      s.view.lastPush = await pullSession(pushDeps, join(s.dir, 'work'));
      await saveView(s);
      emit(s, `\r\n[slipway] ${s.view.lastPush.message}\r\n`);
      return s.view.lastPush;
    },

    async close(id, by) {
      const s = find(id);
      await stop(s, 'closed');
      sessions.delete(id);
      await rm(s.dir, { recursive: true, force: true });
      recordAudit(by, 'claude-session.closed', { app: s.view.app, target: id });
    },

    memoryLimit: () => cgroups.status(),

    async shutdown() {
      clearInterval(timer);
      await Promise.all([...sessions.values()].map((s) => stop(s, 'the server stopped')));
    },
  };
}

/** Holds a place in the count while the working copy is cloned (never spawned, never signalled). */
const PLACEHOLDER = { pid: 0, write: () => undefined, resize: () => undefined } as unknown as pty.IPty;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    // The pty's child leads its own session and process group: the CLI and everything it started.
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
