// A Claude Code session's terminal as a test sees it: the WebSocket a page opens (with its cookie and Origin), the
// output as text, and input sent as the page sends keystrokes.
import { WebSocket } from 'ws';
import { eventually } from './app-http.js';

export interface TerminalConnection {
  /** Everything received so far (replayed scrollback first). */
  text(): string;
  type(line: string): void;
  /** Waits until the output contains `what` (after `from` characters). */
  waitFor(what: string | RegExp, timeoutMs?: number, from?: number): Promise<void>;
  ended(): string | null;
  close(): void;
}

/** Opens the terminal; rejects with the HTTP status and body of a refused handshake. */
export function openTerminal(base: string, path: string, headers: Record<string, string>): Promise<TerminalConnection> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${path}`, { headers });
  let received = '';
  let endedReason: string | null = null;
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as { type: string; data?: string; reason?: string };
    if (m.type === 'output') received += m.data ?? '';
    if (m.type === 'ended') endedReason = m.reason ?? '';
  });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += String(c)));
      res.on('end', () => reject(new RefusedError(res.statusCode ?? 0, body.trim())));
    });
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        text: () => received,
        type: (line) => ws.send(JSON.stringify({ type: 'input', data: `${line}\r` })),
        async waitFor(what, timeoutMs = 15_000, from = 0) {
          await eventually(
            () => (typeof what === 'string' ? received.slice(from).includes(what) : what.test(received.slice(from))),
            timeoutMs,
            `terminal output ${String(what)} (so far: ${JSON.stringify(received.slice(-400))})`,
          );
        },
        ended: () => endedReason,
        close: () => ws.close(),
      }),
    );
  });
}

export class RefusedError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`refused with ${status}: ${body}`);
  }
}
