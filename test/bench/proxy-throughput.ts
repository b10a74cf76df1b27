// Proxy throughput: requests/s and p99 of a static-site preview through Slipway's Host-header proxy, next to the
// same container straight on its published port (127.0.0.1), each for a bounded time with 200 connections.
// Keep-alive: autocannon (every request on a kept connection). Plain (a new TCP connection per request): ApacheBench
// (`ab`, Debian's apache2-utils), since autocannon 9 has no working mode for it: with `--reconnectRate 1` it drops
// every response from its counts (0 req/s), and with `Connection: close` its queue of requests drifts (half of them
// lost, p99 over a second against a bare Node server). Both load tools run as child processes, so the load is not
// generated on the event loop of the server (which runs in this process). Targets: proxied/direct ≥ 0.8 plain,
// ≥ 0.9 keep-alive, and no error. All traffic stays on 127.0.0.1.
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import type { DockerRuntime } from '../../src/runtime/docker/create-docker-runtime.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { formatTable } from './format-table.js';

const SECONDS = Math.max(3, Number(process.env.BENCH_PROXY_SECONDS ?? 10) || 10);
const CONNECTIONS = 200;
const TARGETS = { plain: 0.8, keepAlive: 0.9 } as const;

interface LoadResult {
  requests: number;
  perSecond: number;
  p99Ms: number;
  /** Connection errors, timeouts and answers other than 2xx. */
  errors: number;
  /** CPU used meanwhile: by this process (Slipway's server), and by the whole machine, in cores. */
  slipwayCores: number;
  machineCores: number;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${cmd} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function machineBusy(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
    total += t;
    busy += t - c.times.idle;
  }
  return { busy, total };
}

/** Runs one load and notes the CPU this process and the machine used meanwhile. */
async function withCpu(load: () => Promise<Omit<LoadResult, 'slipwayCores' | 'machineCores'>>): Promise<LoadResult> {
  const cpu0 = process.cpuUsage();
  const m0 = machineBusy();
  const t0 = performance.now();
  const r = await load();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const m1 = machineBusy();
  const cores = cpus().length;
  return {
    ...r,
    slipwayCores: (cpu.user + cpu.system) / 1000 / wallMs,
    machineCores: ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * cores,
  };
}

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** autocannon: HTTP/1.1, every connection kept. */
async function keepAliveLoad(port: number, host: string, seconds: number): Promise<LoadResult> {
  return withCpu(async () => {
    const out = await run(process.execPath, [
      autocannonBin,
      '-j',
      '-c',
      String(CONNECTIONS),
      '-d',
      String(seconds),
      '-H',
      `host=${host}`,
      `http://127.0.0.1:${port}/`,
    ]);
    const j = JSON.parse(out) as {
      requests: { average: number; total: number };
      latency: { p99: number };
      errors: number;
      timeouts: number;
      non2xx: number;
    };
    return { requests: j.requests.total, perSecond: j.requests.average, p99Ms: j.latency.p99, errors: j.errors + j.timeouts + j.non2xx };
  });
}

/** ab: a new connection for every request (HTTP/1.0 without keep-alive). */
async function plainLoad(port: number, host: string, seconds: number): Promise<LoadResult> {
  return withCpu(async () => {
    // -t bounds the time (-n after it only lifts ab's default cap of 50,000 requests); -r counts socket errors
    // instead of stopping at the first.
    const out = await run('ab', [
      '-q',
      '-r',
      '-t',
      String(seconds),
      '-n',
      '10000000',
      '-c',
      String(CONNECTIONS),
      '-H',
      `Host: ${host}`,
      `http://127.0.0.1:${port}/`,
    ]);
    const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? Number.NaN);
    const failed = num(/^Failed requests:\s+(\d+)/m);
    const non2xx = /^Non-2xx responses:\s+(\d+)/m.exec(out);
    return {
      requests: num(/^Complete requests:\s+(\d+)/m),
      perSecond: num(/^Requests per second:\s+([\d.]+)/m),
      p99Ms: num(/^\s+99%\s+(\d+)/m),
      errors: failed + (non2xx ? Number(non2xx[1]) : 0),
    };
  });
}

async function waitLive(server: TestServer, app: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while ((await server.api('GET', `/api/apps/${app}/environments`)).body.environments?.[0]?.status !== 'live') {
    if (Date.now() > deadline) throw new Error(`${app}: the preview never went live`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function haveAb(): Promise<boolean> {
  return run('ab', ['-V']).then(
    () => true,
    () => false,
  );
}

/** Starts its own server and static-site app (Docker needed), measures, cleans up, and returns the report. */
export async function runProxyBench(buildArgs: string): Promise<string> {
  const out = [
    '',
    `Proxy throughput — a static-site preview (nginx), ${CONNECTIONS} connections, ${SECONDS} s each after a warm-up, ${cpus().length} CPUs shared by load tool, Slipway and the container`,
  ];
  if (!(await haveAb())) {
    out.push('  MISSED: `ab` is not installed (apt-get install apache2-utils): the plain (no keep-alive) figures need it.');
    return out.join('\n');
  }
  const server = await startTestServer(buildArgs ? { SLIPWAY_BUILD_ARGS: buildArgs } : {});
  const app = `bench-proxy-${process.pid.toString(36)}`;
  try {
    const created = await server.api('POST', '/api/apps', { name: app, template: 'static-site' });
    if (created.status !== 201) throw new Error(`creating ${app} answered ${created.status}: ${JSON.stringify(created.body)}`);
    await waitLive(server, app);
    const host = `${app}-preview.localhost`;
    const direct = (server.deps.runtime as DockerRuntime).route(app, 'preview');
    if (!direct || direct.host !== '127.0.0.1') throw new Error(`${app}: no port published on 127.0.0.1 (${JSON.stringify(direct)})`);
    log(`proxy bench: ${app} live; Slipway on ${server.port}, the container on ${direct.port}`);

    const rows: string[][] = [];
    const misses: string[] = [];
    for (const [mode, load, target] of [
      ['plain', plainLoad, TARGETS.plain],
      ['keep-alive', keepAliveLoad, TARGETS.keepAlive],
    ] as const) {
      // Warm-up: connections, nginx's workers, the proxy's kept connections and V8's compiled code.
      await load(direct.port, host, 2);
      await load(server.port, host, 2);
      const straight = await load(direct.port, host, SECONDS);
      const proxied = await load(server.port, host, SECONDS);
      const ratio = proxied.perSecond / straight.perSecond;
      const ok = ratio >= target && proxied.errors === 0 && straight.errors === 0;
      if (ratio < target) misses.push(`${mode}: ratio ${ratio.toFixed(2)} < ${target} (${Math.round((target - ratio) * 100)} points short)`);
      if (proxied.errors > 0) misses.push(`${mode}: ${proxied.errors} error(s) through the proxy`);
      if (straight.errors > 0) misses.push(`${mode}: ${straight.errors} error(s) straight to the container`);
      for (const [via, r] of [
        ['container port', straight],
        ["Slipway's proxy", proxied],
      ] as const)
        rows.push([
          `${mode}, ${via}`,
          Math.round(r.perSecond).toString(),
          `${r.p99Ms} ms`,
          String(r.errors),
          `${r.slipwayCores.toFixed(2)} / ${r.machineCores.toFixed(2)}`,
          via === "Slipway's proxy" ? `${ratio.toFixed(2)}` : '',
          via === "Slipway's proxy" ? `≥ ${target}, 0 errors` : '',
          via === "Slipway's proxy" ? (ok ? 'pass' : 'MISSED') : '',
        ]);
      log(
        `proxy bench ${mode}: ${Math.round(straight.perSecond)} req/s straight, ${Math.round(proxied.perSecond)} through Slipway (ratio ${ratio.toFixed(2)})`,
      );
    }
    out.push(formatTable(['run', 'req/s', 'p99', 'errors', 'CPU cores: Slipway / machine', 'ratio', 'target', 'result'], rows));
    out.push(
      `plain: ab (HTTP/1.0, a new connection per request); keep-alive: autocannon (HTTP/1.1). CPU: cores busy during the run (Slipway's process; the whole machine, of ${cpus().length}).`,
    );
    out.push(misses.length === 0 ? 'Proxy throughput targets met.' : `Proxy throughput target(s) MISSED: ${misses.join('; ')}`);
    return out.join('\n');
  } finally {
    await server.stop().catch((e: unknown) => log(`stopping the proxy bench's server: ${(e as Error).message}`));
    const images = await server.deps.docker.listImages({ filters: { reference: [`slipway/${app}`] } }).catch(() => []);
    for (const image of images)
      await server.deps.docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
  }
}
