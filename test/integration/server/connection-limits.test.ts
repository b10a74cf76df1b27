// What one client may hold of the server, tried with stalled clients on loopback (each bounded by a few seconds):
// headers and UI/API bodies must arrive in time (git's bodies need not), the hook endpoint and the UI answer a
// stranger before reading a byte of the body, connections and event streams per token are capped, and the server
// keeps serving others throughout.
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInCookie } from '../../helpers/sign-in.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
let crowded: TestServer;

beforeAll(async () => {
  server = await startTestServer({ SLIPWAY_HEADERS_TIMEOUT: '1', SLIPWAY_BODY_TIMEOUT: '1', SLIPWAY_MAX_STREAMS_PER_TOKEN: '2' });
  expect((await server.api('POST', '/api/apps', { name: 'held', template: 'static-site' })).status).toBe(201);
  crowded = await startTestServer({ SLIPWAY_MAX_CONNECTIONS: '3' });
});
afterAll(async () => {
  await server?.stop();
  await crowded?.stop();
});

interface Raw {
  socket: Socket;
  /** Everything the server sent so far. */
  received: () => string;
  /** Resolves with the milliseconds from connecting until the server closed the connection. */
  closed: Promise<number>;
}

/** A raw TCP client that sends `text` and then nothing more. */
/** PIDs of processes serving git for this repos folder (their environment names it), read from /proc. */
function gitBackendsOf(reposDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      const state = /\) (\S)/.exec(readFileSync(`/proc/${entry}/stat`, 'latin1'))?.[1];
      if (state !== 'Z' && env.includes(`GIT_PROJECT_ROOT=${reposDir}`)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

function stall(port: number, text: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let data = '';
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(text);
      resolve({ socket, received: () => data, closed });
    });
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - started)));
    socket.on('data', (b) => (data += b.toString()));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

const within = <T>(ms: number, p: Promise<T>) => Promise.race([p, new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms))]);

const healthy = async (s: TestServer) => (await fetch(`${s.url}/healthz`)).status === 200;

describe('stalled clients', () => {
  it('headers that never end are cut off after SLIPWAY_HEADERS_TIMEOUT, and others are served meanwhile', async () => {
    const raw = await stall(server.port, 'GET /api/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    expect(await healthy(server)).toBe(true);
    const after = await within(5000, raw.closed);
    expect(after).not.toBe('still open');
    expect(after).toBeGreaterThanOrEqual(900);
  });

  it('an API body that stalls is cut off after SLIPWAY_BODY_TIMEOUT', async () => {
    const raw = await stall(
      server.port,
      `POST /api/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na`,
    );
    expect(await healthy(server)).toBe(true);
    const after = await within(5000, raw.closed);
    expect(after).not.toBe('still open');
    expect(after).toBeGreaterThanOrEqual(900);
    expect(server.deps.store.apps.list().map((a) => a.name)).toEqual(['held']);
  });

  it('a git push body is not cut off: a pack may take as long as it takes', async () => {
    const basic = Buffer.from(`x:${server.token}`).toString('base64');
    const raw = await stall(
      server.port,
      `POST /git/held.git/git-receive-pack HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic ${basic}\r\nContent-Type: application/x-git-receive-pack-request\r\nContent-Length: 1000\r\n\r\n`,
    );
    expect(await within(3000, raw.closed)).toBe('still open');
    // The client goes away mid-body: no git backend is left running for it (one once was: started after the
    // client had gone, then orphaned with the server and spinning on the CPU).
    raw.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(gitBackendsOf(join(server.dataDir, 'repos'))).toEqual([]);
  });

  it('strangers are answered before a byte of their body is read: the API, the hook endpoint, the UI forms', async () => {
    const cases: [string, RegExp][] = [
      ['POST /api/apps HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n', /^HTTP\/1\.1 401 /],
      [
        'POST /internal/hooks/pre-receive HTTP/1.1\r\nX-Slipway-Hook-Secret: wrong\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n',
        /^HTTP\/1\.1 401 /,
      ],
      [
        `POST /apps/held/settings/secrets HTTP/1.1\r\nOrigin: ${new URL(server.config.publicUrl).origin}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n`,
        /^HTTP\/1\.1 (303|401) /,
      ],
    ];
    for (const [head, answer] of cases) {
      const raw = await stall(server.port, `${head}Host: 127.0.0.1\r\n\r\n`);
      const started = Date.now();
      while (!answer.test(raw.received()) && Date.now() - started < 800) await new Promise((r) => setTimeout(r, 20));
      expect(raw.received(), head).toMatch(answer);
      raw.socket.destroy();
    }
  });
});

describe('caps', () => {
  it('past SLIPWAY_MAX_CONNECTIONS new connections are closed; once some go, the server takes new ones', async () => {
    const held = await Promise.all([1, 2, 3].map(() => stall(crowded.port, '')));
    const extra = await stall(crowded.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(await within(3000, extra.closed)).not.toBe('still open');
    expect(extra.received()).toBe('');
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    await new Promise((r) => setTimeout(r, 100));
    expect(await healthy(crowded)).toBe(true);
  });

  it('a token holds at most SLIPWAY_MAX_STREAMS_PER_TOKEN event streams; another token is not affected', async () => {
    const origin = new URL(server.config.publicUrl).origin;
    const signIn = (token: string) => signInCookie(server.url, origin, token);
    // The live updates of the home page: a stream that stays open until the client goes.
    const live = (cookie: string) => {
      const controller = new AbortController();
      const response = fetch(`${server.url}/live`, { headers: { cookie, accept: 'text/event-stream' }, signal: controller.signal });
      return { status: response.then((r) => r.status), close: () => controller.abort() };
    };
    const mine = await signIn(server.token);
    const first = live(mine);
    const second = live(mine);
    expect([await first.status, await second.status]).toEqual([200, 200]);
    expect(await live(mine).status).toBe(429);
    // Another token's streams are its own.
    const other = live(await signIn(server.pipeline.createToken('other').token));
    expect(await other.status).toBe(200);
    // Closing one frees its place.
    first.close();
    let again = 0;
    for (let i = 0; i < 20 && again !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const attempt = live(mine);
      again = await attempt.status;
      attempt.close();
    }
    expect(again).toBe(200);
    second.close();
    other.close();
  });
});
