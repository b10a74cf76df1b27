// Smart-HTTP git at /git/APP.git, served by git's own `git http-backend` (protocol v0 and v2, gzip, hooks).
// Our code authenticates every request first, then bridges the CGI process to the raw request and response.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Middleware } from 'koa';
import type { RefUpdate } from '../domain/classify-ref.js';
import { messageOf } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { readPushCommands } from './receive-pack/read-push-commands.js';
import { FLUSH_PACKET } from './receive-pack/pkt-line.js';
import { progressPackets, readSidebandAnswer, type ReceivePackReport } from './receive-pack/receive-pack-report.js';

export interface GitUser {
  name: string;
  /** Handed to the hooks (SLIPWAY_PUSHER_TOKEN), which ask the server what this pusher may do with each ref. */
  tokenId: string;
}

/** Whether the user may use this service on the app: 404 for an app they may not see, 403 with the reason. */
export type GitDecision = { allowed: true } | { allowed: false; status: 403 | 404; reason: string };

/** A push whose ref updates receive-pack reported done, as a post-receive hook would see it. */
export interface LandedPush {
  app: string;
  updates: RefUpdate[];
  pushOptions: string[];
  pusher: string;
  pusherToken: string;
  address: string;
}

export interface GitHttpBridgeOptions<U extends GitUser = GitUser> {
  reposDir: string;
  /** Checks Basic credentials; null when they are missing or wrong. */
  authenticate: (authorization: string | undefined, address: string) => U | null;
  repoExists: (app: string) => boolean;
  /** Cloning and fetching (`git-upload-pack`) or pushing (`git-receive-pack`). */
  authorize: (user: U, app: string, service: 'git-upload-pack' | 'git-receive-pack') => GitDecision;
  /** Extra environment for git and the hooks it runs (how the hooks reach the server). */
  hookEnv: () => Record<string, string>;
  /**
   * Whether the pre-receive policy accepts these updates whatever happens meanwhile. Then the pre-receive hook is
   * told so (SLIPWAY_PUSH_ACCEPTED=1) and answers at once, sparing a process start-up on the push's path.
   */
  acceptsPush?: (app: string, updates: RefUpdate[], user: U) => boolean;
  /**
   * Takes over the post-receive hook's work for an accepted push: called as soon as receive-pack reports the refs
   * updated (before it would start the hook's process); each line said reaches the pusher as `remote: …`, and the
   * push ends when the promise settles. Then the hook is told so (SLIPWAY_PUSH_FOLLOWED=1) and exits at once.
   */
  followPush?: (push: LandedPush, say: (line: string) => void) => Promise<void>;
  /** The largest pack a push may send: receive-pack refuses more ("pack exceeds maximum allowed size"). */
  maxPushBytes: number;
  path: string;
  log: Logger;
}

/** How much of a receive-pack body is read for its commands before leaving the push to the hook. */
const MAX_COMMANDS_BYTES = 64 * 1024;

const ROUTE = /^\/git\/([a-z0-9][a-z0-9-]{0,39})\.git\/(info\/refs|git-upload-pack|git-receive-pack|HEAD)$/;
const SERVICES = new Set(['git-upload-pack', 'git-receive-pack']);

/**
 * git-http-backend itself, not `git http-backend`: the `git` wrapper runs it as a child of its own, so killing the
 * wrapper (a client that went away) left the backend behind, orphaned and, with its request body cut off, spinning
 * on the CPU. Found once per bridge; falls back to the wrapper when git does not say where its programs are.
 */
function backendCommand(path: string): { file: string; args: string[] } {
  try {
    const dir = execFileSync('git', ['--exec-path'], { env: { PATH: path }, encoding: 'utf8', timeout: 10_000 }).trim();
    const file = join(dir, 'git-http-backend');
    if (existsSync(file)) return { file, args: [] };
  } catch {
    // git missing or odd: the wrapper says so when a request comes
  }
  return { file: 'git', args: ['http-backend'] };
}

export function createGitHttpBridge<U extends GitUser>(options: GitHttpBridgeOptions<U>): Middleware {
  const backend = backendCommand(options.path);
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/git/')) return next();
    const query = new URLSearchParams(ctx.querystring);
    // `?service=a&service=b`: the bridge would vet one and git http-backend might act on the other.
    const repeated = [...new Set(query.keys())].find((k) => query.getAll(k).length > 1);
    if (repeated !== undefined) {
      ctx.status = 400;
      ctx.body = `the query parameter "${repeated.slice(0, 40)}" is given more than once\n`;
      return;
    }
    const match = ROUTE.exec(ctx.path);
    const action = match?.[2];
    const validMethod = action === 'info/refs' || action === 'HEAD' ? ctx.method === 'GET' : ctx.method === 'POST';
    const service = action === 'info/refs' ? query.get('service') : action;
    if (!match || !validMethod || !service || (action !== 'HEAD' && !SERVICES.has(service))) {
      ctx.status = 404;
      ctx.body = 'not a git smart-HTTP URL (clone http://HOST/git/APP.git)\n';
      return;
    }
    const address = ctx.req.socket.remoteAddress ?? '';
    const user = options.authenticate(ctx.get('authorization') || undefined, address);
    if (!user) {
      ctx.set('WWW-Authenticate', 'Basic realm="slipway git", charset="UTF-8"');
      ctx.status = 401;
      ctx.body = 'authentication required: use any user name and a Slipway token as the password\n';
      return;
    }
    const app = match[1]!;
    const decision = options.authorize(user, app, service === 'git-receive-pack' ? 'git-receive-pack' : 'git-upload-pack');
    // An app the user may not see is answered as one that does not exist.
    if (!options.repoExists(app) || (!decision.allowed && decision.status === 404)) {
      ctx.status = 404;
      ctx.body = `no app named ${app}\n`;
      return;
    }
    if (!decision.allowed) {
      // git prints a text/plain error body to the pusher as "remote: …".
      ctx.status = 403;
      ctx.type = 'text/plain';
      ctx.body = `${decision.reason}\n`;
      return;
    }
    let head: { bytes: Buffer; ended: boolean } = { bytes: Buffer.alloc(0), ended: false };
    let accepted = false;
    let follow: Follow | undefined;
    // A gzip body (other clients than git's) is left to the hook rather than inflated here.
    if (action === 'git-receive-pack' && options.acceptsPush && !ctx.get('content-encoding')) {
      head = await readHead(ctx.req, (b) => b.length >= MAX_COMMANDS_BYTES || readPushCommands(b).status !== 'incomplete');
      const commands = readPushCommands(head.bytes);
      accepted = commands.status === 'complete' && options.acceptsPush(app, commands.updates, user);
      // Followed here only when the pusher can see progress (side-band) and receive-pack will report (the signal).
      const flavour = commands.status === 'complete' ? (['side-band-64k', 'side-band'] as const).find((c) => commands.capabilities.includes(c)) : undefined;
      const reports = commands.status === 'complete' && commands.capabilities.some((c) => c === 'report-status' || c === 'report-status-v2');
      if (accepted && commands.status === 'complete' && flavour && reports && options.followPush) {
        follow = {
          push: { app, updates: commands.updates, pushOptions: commands.pushOptions, pusher: user.name, pusherToken: user.tokenId, address },
          flavour,
          run: options.followPush,
        };
      }
    }
    ctx.status = 200; // Koa presets 404; the CGI status line below decides the real one
    ctx.respond = false;
    runBackend(
      backend,
      ctx.req,
      head,
      ctx.res,
      {
        GIT_PROJECT_ROOT: options.reposDir,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: user.name,
        REMOTE_ADDR: address,
        SLIPWAY_PUSHER_TOKEN: user.tokenId,
        REQUEST_METHOD: ctx.method,
        PATH_INFO: ctx.path.slice('/git'.length),
        QUERY_STRING: ctx.querystring,
        CONTENT_TYPE: ctx.get('content-type'),
        ...(ctx.get('content-length') ? { CONTENT_LENGTH: ctx.get('content-length') } : {}),
        HTTP_CONTENT_ENCODING: ctx.get('content-encoding'),
        GIT_PROTOCOL: ctx.get('git-protocol'),
        PATH: options.path,
        // Settings for this git only (git 2.31+), whatever the repo's or the machine's config says.
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'receive.maxInputSize',
        GIT_CONFIG_VALUE_0: String(options.maxPushBytes),
        ...options.hookEnv(),
        ...(accepted ? { SLIPWAY_PUSH_ACCEPTED: '1' } : {}),
        ...(follow ? { SLIPWAY_PUSH_FOLLOWED: '1' } : {}),
      },
      options.log,
      follow,
    );
  };
}

interface Follow {
  push: LandedPush;
  flavour: 'side-band-64k' | 'side-band';
  run: NonNullable<GitHttpBridgeOptions['followPush']>;
}

/** Reads the start of a request body until `enough` (or its end), and leaves the rest unread for a later pipe. */
function readHead(req: IncomingMessage, enough: (bytes: Buffer) => boolean): Promise<{ bytes: Buffer; ended: boolean }> {
  return new Promise((resolve) => {
    let bytes = Buffer.alloc(0);
    const done = (ended: boolean) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onEnd);
      req.off('close', onEnd);
      req.pause();
      resolve({ bytes, ended });
    };
    const onData = (chunk: Buffer) => {
      bytes = Buffer.concat([bytes, chunk]);
      if (enough(bytes)) done(false);
    };
    // A client that goes away mid-body ends it too: git then fails on the short body, as it would have anyway.
    const onEnd = () => done(true);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onEnd);
    req.on('close', onEnd);
  });
}

function runBackend(
  backend: { file: string; args: string[] },
  req: IncomingMessage,
  body: { bytes: Buffer; ended: boolean },
  res: ServerResponse,
  env: Record<string, string>,
  log: Logger,
  follow?: Follow,
): void {
  // The client may have gone while the bridge read the push's first lines: then there is nobody to serve.
  if (res.destroyed || req.socket.destroyed) return;
  const child = spawn(backend.file, backend.args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let head = Buffer.alloc(0);
  let headersDone = false;
  let stderr = '';
  // A followed push: its post-receive work, started from the report and awaited before the answer ends.
  let following: Promise<void> | undefined;
  const answer = follow
    ? readSidebandAnswer((report) => {
        following = runFollow(
          follow,
          report,
          (line) => {
            if (!res.destroyed && !res.writableEnded) res.write(progressPackets(line, follow.flavour));
          },
          log,
        );
      })
    : undefined;
  const forward = (chunk: Buffer): boolean => {
    const out = answer ? answer.take(chunk) : chunk;
    return out.length === 0 || res.write(out);
  };
  if (body.bytes.length > 0) child.stdin.write(body.bytes);
  if (body.ended) child.stdin.end();
  else req.pipe(child.stdin);
  child.stdin.on('error', () => undefined); // git may stop reading early (e.g. on a refused push)
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString('utf8')).slice(-4000);
  });
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      if (!forward(chunk)) {
        child.stdout.pause();
        res.once('drain', () => child.stdout.resume());
      }
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    const endLf = end === -1 ? head.indexOf('\n\n') : -1;
    if (end === -1 && endLf === -1) return;
    const cut = end !== -1 ? end : endLf;
    const sep = end !== -1 ? 4 : 2;
    const { status, headers } = parseCgiHeaders(head.subarray(0, cut).toString('latin1'));
    headersDone = true;
    res.writeHead(status, headers);
    const rest = head.subarray(cut + sep);
    if (rest.length > 0) forward(rest);
  });
  child.on('error', (e) => {
    log.error('git http-backend could not start', { error: e });
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('git is not available on the server\n');
  });
  child.on('close', (code) => {
    if (code !== 0) log.warn('git http-backend failed', { code, stderr: stderr.trim().split('\n').slice(-5).join(' | ') });
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    // The held-back end of a followed push goes out once the server has said what it had to say.
    void (following ?? Promise.resolve()).then(() => res.end(answer?.ended ? FLUSH_PACKET : undefined));
  });
  // A client that goes away: stop git (req 'close' fires as soon as the body is read, so watch res).
  res.on('close', () => {
    if (child.exitCode === null && child.signalCode === null && !res.writableFinished) child.kill();
  });
}

/** The refs receive-pack updated, handed over as the post-receive hook would have had them; never rejects. */
async function runFollow(follow: Follow, report: ReceivePackReport, say: (line: string) => void, log: Logger): Promise<void> {
  const landed = new Set(report.unpackOk ? report.updated : []);
  const updates = follow.push.updates.filter((u) => landed.has(u.ref));
  if (updates.length === 0) return;
  try {
    await follow.run({ ...follow.push, updates }, say);
  } catch (e) {
    log.error('following a push failed', { app: follow.push.app, error: e });
    say(`slipway: ${messageOf(e)}`);
  }
}

function parseCgiHeaders(block: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of block.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}
