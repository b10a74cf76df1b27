// A minimal WebSocket client (RFC 6455) for tests: Node 20 has no global WebSocket, and the point is to see the
// handshake and the frames cross Slipway's proxy exactly as a browser's would.
import { createHash, randomBytes } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface WebSocketExchange {
  /** Headers of the 101 answer. */
  headers: IncomingHttpHeaders;
  /** The text of the first frame the server sent back. */
  reply: string;
}

/** A client frame: always masked (section 5.3). */
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const header = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([header, mask, body]);
}

/** Parses one unmasked server frame from the start of `buf`; null while it is incomplete. */
function parseFrame(buf: Buffer): { opcode: number; payload: Buffer } | null {
  if (buf.length < 2) return null;
  const opcode = buf[0]! & 0x0f;
  let len = buf[1]! & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  if (buf.length < offset + len) return null;
  return { opcode, payload: buf.subarray(offset, offset + len) };
}

/** Opens a WebSocket to `path` on 127.0.0.1:`port` with the given Host header, sends `text`, returns the answer. */
export function websocketRoundTrip(port: number, host: string, path: string, text: string, timeoutMs = 10_000): Promise<WebSocketExchange> {
  const key = randomBytes(16).toString('base64');
  const expectedAccept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  return new Promise((resolve, reject) => {
    let socket: Socket | undefined;
    const timer = setTimeout(() => {
      socket?.destroy();
      req.destroy();
      reject(new Error(`no WebSocket echo within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      socket?.destroy();
      reject(e);
    };
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      headers: { host, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': key },
    });
    req.on('error', fail);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => fail(new Error(`expected 101 Switching Protocols, got ${res.statusCode}: ${body.slice(0, 300)}`)));
    });
    req.on('upgrade', (res, s: Socket, head: Buffer) => {
      socket = s;
      if (res.headers['sec-websocket-accept'] !== expectedAccept) return fail(new Error(`wrong Sec-WebSocket-Accept: ${res.headers['sec-websocket-accept']}`));
      let buf = head;
      s.on('error', fail);
      s.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        const f = parseFrame(buf);
        if (!f) return;
        clearTimeout(timer);
        // A polite close (1000), then hang up.
        s.end(maskedFrame(0x8, Buffer.from([0x03, 0xe8])));
        if (f.opcode !== 0x1) return reject(new Error(`expected a text frame, got opcode ${f.opcode}`));
        resolve({ headers: res.headers, reply: f.payload.toString('utf8') });
      });
      s.write(maskedFrame(0x1, Buffer.from(text, 'utf8')));
      if (buf.length > 0) s.emit('data', Buffer.alloc(0));
    });
    req.end();
  });
}
