// One HTTP health probe on loopback: true when the path answers 200 within the timeout.
import { request } from 'node:http';

export function probeHealth(port: number, path: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'slipway-health' } }, (res) => {
      res.resume();
      resolve({ ok: res.statusCode === 200, detail: `HTTP ${res.statusCode}` });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` });
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, detail: e.code ?? e.message }));
    req.end();
  });
}
