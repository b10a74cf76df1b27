// A quicker look at the server's memory than the concurrent bench (README, "Concurrent pushes and memory"):
// `node --import tsx test/bench/memory-probe.ts N [node flags…]`, MEMPROBE_ENV=K=V,… for the server's environment,
// MEMPROBE_SNAP=1 for a heap snapshot at each idle point (in the project folder). Idle RSS, heap, file descriptors,
// the server's TCP sockets and the memory map by kind, with no apps and with N published static-site apps.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApi } from '../helpers/e2e-api.js';
import { removeInstallationFromDocker } from '../helpers/e2e-docker.js';
import { freePort } from '../helpers/free-port.js';
import { startServerProcess } from '../helpers/server-process.js';

const N = Number(process.argv[2] ?? 4);
const flags = process.argv.slice(3);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const status = (pid: number) => readFileSync(`/proc/${pid}/status`, 'utf8');
const kb = (pid: number, k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status(pid))?.[1]) / 1024;
function fds(pid: number) {
  const c: Record<string, number> = {};
  for (const f of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const l = readlinkSync(`/proc/${pid}/fd/${f}`)
        .replace(/\[\d+\]|:\d+$/, '')
        .replace(/^\/.*/, 'file');
      c[l] = (c[l] ?? 0) + 1;
    } catch {
      // closed between the listing and the read
    }
  }
  return c;
}
async function idle(pid: number, label: string) {
  await sleep(15000);
  const s: number[] = [];
  for (let i = 0; i < 10; i++) {
    s.push(kb(pid, 'VmRSS'));
    await sleep(500);
  }
  s.sort((a, b) => a - b);
  const m = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text());
  const g = (k: string) => (Number(new RegExp(`^${k}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(m)?.[1]) / 2 ** 20).toFixed(1);
  console.log(
    `${label}: heap total ${g('nodejs_heap_size_total_bytes')} used ${g('nodejs_heap_size_used_bytes')} external ${g('nodejs_external_memory_bytes')}; metrics text ${(m.length / 1024).toFixed(0)} KB`,
  );
  const { execFileSync } = await import('node:child_process');
  console.log(
    execFileSync('ss', ['-tanp'], { maxBuffer: 1 << 26 })
      .toString()
      .split('\n')
      .filter((l) => l.includes(`pid=${pid},`))
      .map((l) => l.replace(/\s+/g, ' '))
      .join('\n'),
  );
  const sm = readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n');
  const cat: Record<string, number> = {};
  let cur = '';
  for (const l of sm) {
    const h = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(l);
    if (h) {
      cur = h[1]!.startsWith('/') ? 'file' : h[1] || 'anon';
      continue;
    }
    const r = /^Rss:\s+(\d+)/.exec(l);
    if (r) cat[cur] = (cat[cur] ?? 0) + Number(r[1]) / 1024;
  }
  console.log(JSON.stringify(Object.fromEntries(Object.entries(cat).map(([k, v]) => [k, v.toFixed(1)]))));
  console.log(`${label}: RSS ${s[5]!.toFixed(1)} MB, threads ${/Threads:\s+(\d+)/.exec(status(pid))?.[1]}, fds ${JSON.stringify(fds(pid))}`);
  return s[5]!;
}
const dataDir = mkdtempSync(join(tmpdir(), 'slipway-memprobe-'));
const port = await freePort();
const token = randomBytes(24).toString('hex');
const extra = Object.fromEntries(
  (process.env.MEMPROBE_ENV ?? '')
    .split(',')
    .filter(Boolean)
    .map((p) => p.split('=') as [string, string]),
);
const server = startServerProcess(
  {
    SLIPWAY_DATA_DIR: dataDir,
    SLIPWAY_PORT: String(port),
    SLIPWAY_ADMIN_TOKEN: token,
    SLIPWAY_LOG_LEVEL: 'warn',
    SLIPWAY_BUILD_ARGS: process.env.SLIPWAY_BUILD_ARGS ?? '',
    ...extra,
  },
  [process.execPath, ...flags, '--heapsnapshot-signal=SIGUSR2', join(import.meta.dirname, '..', '..', 'dist', 'src', 'main.js'), 'serve'],
);
const api = createApi(`http://127.0.0.1:${port}`, token);
const names = Array.from({ length: N }, (_, i) => `mp${i + 1}-${process.pid.toString(36)}`);
try {
  await server.waitFor(/Slipway is serving on/, 60000);
  const pid = server.child.pid!;
  const r0 = await idle(pid, '0 apps');
  if (process.env.MEMPROBE_SNAP) {
    process.kill(pid, 'SIGUSR2');
    await sleep(8000);
  }
  const ok = async (m: string, p: string, b?: unknown) => {
    const r = await api(m, p, b);
    if (r.status >= 300) throw new Error(`${m} ${p} ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const live = async (n: string, e: string) => {
    for (let i = 0; i < 1200; i++) {
      const envs = (await ok('GET', `/api/apps/${n}/environments`)).environments as any[];
      if (envs.find((x) => x.name === e)?.status === 'live') return;
      await sleep(250);
    }
    throw new Error('never live');
  };
  const todo = [...names];
  await Promise.all(
    [0, 1, 2].map(async () => {
      for (let n = todo.shift(); n; n = todo.shift()) {
        await ok('POST', '/api/apps', { name: n, template: 'static-site' });
        await live(n, 'preview');
        await ok('POST', `/api/apps/${n}/publish`, {});
        await live(n, 'prod');
      }
    }),
  );
  const r1 = await idle(pid, `${N} apps`);
  console.log(`per app ${((r1 - r0) / N).toFixed(2)} MB`);
  if (process.env.MEMPROBE_SNAP) {
    process.kill(pid, 'SIGUSR2');
    await sleep(8000);
  }
} finally {
  for (const n of names) await api('DELETE', `/api/apps/${n}`).catch(() => undefined);
  await server.kill();
  await removeInstallationFromDocker(dataDir).catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
}
