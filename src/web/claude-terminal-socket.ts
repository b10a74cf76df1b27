// The WebSocket of a Claude Code session's terminal: GET /apps/APP/sessions/ID/terminal with `Upgrade: websocket`,
// on the UI's host only (app hosts' upgrades went to the app proxy before this). Before the handshake it checks what
// a UI form post is checked for — the Origin is the UI's own, the session cookie names a signed-in person — and that
// the person may change the app (`app:generate`) and opened this session; anything else is refused with an HTTP
// status and no WebSocket. Frames: the page sends {"type":"input","data"} and {"type":"resize","cols","rows"}; the
// server sends {"type":"output","data"} and {"type":"ended","reason"}.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { WebSocketServer, type WebSocket } from 'ws';
import { authorize } from '../domain/authorize.js';
import type { ClaudeSessions } from '../pipeline/claude-sessions/claude-sessions.js';
import type { Pipeline } from '../pipeline/create-pipeline.js';
import { messageOf } from '../shared/errors.js';
import { principalOf } from './ui/ui-session.js';

const PATH = /^\/apps\/([a-z0-9-]{1,63})\/sessions\/(ses_[A-Za-z0-9_-]{1,64})\/terminal$/;
/** One input frame at most (a paste): the terminal's input, not a file transfer. */
const MAX_FRAME_BYTES = 256 * 1024;

export interface TerminalSocket {
  /** Takes the upgrade when it is a session terminal's (true), or leaves it (false). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

export function createTerminalSocket(options: {
  app: Koa;
  pipeline: Pipeline;
  sessions: ClaudeSessions;
  /** The cookie middleware of the UI (koa-session), run on the upgrade request to read who signed in. */
  session: Middleware;
}): TerminalSocket {
  const { app, pipeline, sessions } = options;
  const ours = new Set(pipeline.read.config.trustedOrigins.map((u) => new URL(u).origin));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const log = pipeline.log.child('terminal');

  function refuse(socket: Duplex, status: number, reason: string): void {
    const text = `${reason}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\n` +
        `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }

  async function who(req: IncomingMessage) {
    // A Koa context over the request (its answer is never sent), so the cookie is read exactly as pages read it.
    const ctx = app.createContext(req, new ServerResponse(req));
    let principal = null as ReturnType<typeof principalOf>;
    await options.session(ctx, async () => {
      principal = principalOf(pipeline, ctx);
    });
    return principal;
  }

  async function handle(req: IncomingMessage, socket: Duplex, head: Buffer, app: string, id: string): Promise<void> {
    const origin = req.headers.origin;
    if (!origin || !ours.has(origin)) return refuse(socket, 403, 'this terminal opens only from a page of this server (Origin)');
    const principal = await who(req);
    if (!principal) return refuse(socket, 401, 'sign in first: the terminal needs a signed-in session');
    const decision = authorize(principal.grant, 'app:generate', app);
    if (!decision.allowed) return refuse(socket, decision.status, decision.reason);
    try {
      sessions.get(id, app, principal.personId);
    } catch (e) {
      return refuse(socket, (e as { status?: number }).status === 403 ? 403 : 404, messageOf(e));
    }
    wss.handleUpgrade(req, socket, head, (ws) => connect(ws, id));
  }

  function connect(ws: WebSocket, id: string): void {
    const send = (message: object) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const attachment = sessions.attach(id, {
      output: (data) => send({ type: 'output', data }),
      ended: (reason) => send({ type: 'ended', reason }),
    });
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return;
      let message: { type?: unknown; data?: unknown; cols?: unknown; rows?: unknown };
      try {
        message = JSON.parse(String(raw)) as typeof message;
      } catch {
        return;
      }
      if (message.type === 'input' && typeof message.data === 'string') attachment.write(message.data);
      else if (message.type === 'resize') attachment.resize(Number(message.cols), Number(message.rows));
    });
    ws.on('close', () => attachment.detach());
    ws.on('error', () => attachment.detach());
  }

  return {
    upgrade(req, socket, head) {
      const match = PATH.exec((req.url ?? '').split('?')[0] ?? '');
      if (!match) return false;
      handle(req, socket, head, match[1]!, match[2]!).catch((e: unknown) => {
        log.warn('a terminal connection failed', { error: messageOf(e) });
        socket.destroy();
      });
      return true;
    },
    close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
