// A Claude Code session's terminal as a test sees it: the WebSocket a page opens (with its cookie and Origin), the
// output as text, and input sent as the page sends keystrokes.
import { WebSocket } from 'ws';
import { eventually } from './app-http.js';

export interface TerminalConnection {
  /** Everything received so far (replayed scrollback first), with terminal control sequences as spaces. */
  text(): string;
  /** A line and Enter at once (what a line-reading program takes). */
  type(line: string): void;
  /** Keys as they are, e.g. text and then, separately, "\r": a full-screen program takes text and Enter in one write for a paste. */
  press(keys: string): void;
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
        text: () => plain(received),
        type: (line) => ws.send(JSON.stringify({ type: 'input', data: `${line}\r` })),
        press: (keys) => ws.send(JSON.stringify({ type: 'input', data: keys })),
        async waitFor(what, timeoutMs = 15_000, from = 0) {
          const seen = () => plain(received).slice(from);
          try {
            await eventually(() => (typeof what === 'string' ? seen().includes(what) : what.test(seen())), timeoutMs, `terminal output ${String(what)}`);
          } catch (e) {
            throw new Error(`${(e as Error).message}; the terminal shows: ${JSON.stringify(seen().slice(-600))}`);
          }
        },
        ended: () => endedReason,
        close: () => ws.close(),
      }),
    );
  });
}

/** Output as text: control sequences (colours, cursor moves, queries) become one space, runs of spaces one. */
function plain(output: string): string {
  /* eslint-disable no-control-regex -- terminal output is made of control characters */
  return output
    .replace(/\x1b\[[0-9;?<>=]*[ -/]*[@-~]/g, ' ')
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '')
    .replace(/\x1b[()][0-9A-Za-z]/g, '')
    .replace(/ {2,}/g, ' ');
  /* eslint-enable no-control-regex */
}

export class RefusedError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`refused with ${status}: ${body}`);
  }
}
