// Polls an HTTP URL on loopback until it answers 200 with a body containing `marker`; resolves to the
// performance.now() of that first answer. A fresh connection per poll, as a browser opening the URL would.
import { request } from 'node:http';

export interface WaitForContentOptions {
  port: number;
  /** Host header (Slipway's proxy routes by it); default 127.0.0.1:PORT. */
  host?: string;
  path?: string;
  marker: string;
  timeoutMs?: number;
  intervalMs?: number;
}

function getOnce(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

export async function waitForContent(o: WaitForContentOptions): Promise<number> {
  const deadline = performance.now() + (o.timeoutMs ?? 120_000);
  const interval = o.intervalMs ?? 20;
  let last = { status: 0, body: '' };
  for (;;) {
    const started = performance.now();
    last = await getOnce(o.port, o.host ?? `127.0.0.1:${o.port}`, o.path ?? '/');
    if (last.status === 200 && last.body.includes(o.marker)) return performance.now();
    if (performance.now() > deadline)
      throw new Error(`timed out waiting for "${o.marker}" at ${o.host ?? ''}${o.path ?? '/'} (last: ${last.status} ${last.body.slice(0, 120)})`);
    const wait = interval - (performance.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
