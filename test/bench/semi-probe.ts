// Whether the server's memory settings (ARCHITECTURE.md, "Server memory") cost CPU per request: the server's own
// CPU time (/proc/PID/stat) over a fixed number of requests, each setting twice, interleaved.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error autocannon ships no types (proxy-throughput.ts runs its CLI instead)
import autocannon from 'autocannon';
import { freePort } from '../helpers/free-port.js';
import { startServerProcess } from '../helpers/server-process.js';
const token = randomBytes(24).toString('hex');
async function run(flags: string[], env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-semiprobe-'));
  const port = await freePort();
  const s = startServerProcess({ ...env, SLIPWAY_DATA_DIR: dataDir, SLIPWAY_PORT: String(port), SLIPWAY_ADMIN_TOKEN: token, SLIPWAY_LOG_LEVEL: 'warn' }, [
    process.execPath,
    ...flags,
    join(import.meta.dirname, '..', '..', 'dist', 'src', 'main.js'),
    'serve',
  ]);
  await s.waitFor(/Slipway is serving on/, 60000);
  const out: string[] = [];
  for (const path of ['/api/apps', '/metrics']) {
    const amount = path === '/metrics' ? 600 : 3000;
    await autocannon({ url: `http://127.0.0.1:${port}${path}`, headers: { authorization: `Bearer ${token}` }, connections: 4, amount: amount / 3 });
    const cpu = () => {
      const f = readFileSync(`/proc/${s.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) * 10;
    };
    const c0 = cpu();
    const r = await autocannon({ url: `http://127.0.0.1:${port}${path}`, headers: { authorization: `Bearer ${token}` }, connections: 4, amount });
    out.push(`${path} ${((cpu() - c0) / amount).toFixed(3)} cpu-ms/req p50 ${r.latency.p50} p99 ${r.latency.p99} non2xx ${r.non2xx}`);
  }
  await s.kill();
  rmSync(dataDir, { recursive: true, force: true });
  return out.join(' | ');
}
for (let i = 0; i < 2; i++) {
  console.log('plain   ', await run([], {}));
  console.log('semi1+ar', await run(['--max-semi-space-size=1'], { MALLOC_ARENA_MAX: '2' }));
  console.log('semi2+ar', await run(['--max-semi-space-size=2'], { MALLOC_ARENA_MAX: '2' }));
  console.log('arena   ', await run([], { MALLOC_ARENA_MAX: '2' }));
}
