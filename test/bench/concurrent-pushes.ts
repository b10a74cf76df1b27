// `npm run bench` (or `BENCH_ONLY=concurrent npm run bench`): many static-site apps pushed at the same moment, and
// the server's memory. On a real `slipway serve` in a child process (so its resident memory is its own), with the
// git CLI and Docker Engine:
//   - idle RSS with 0 apps;
//   - BENCH_CONCURRENT_APPS (20) apps, each pushed a distinct change at once: every preview must serve its own commit
//     (through Slipway's proxy on 127.0.0.1 with the Host header), and the time until the last is live is compared
//     with the floor: the same change by hand (docker build + docker run + first 200, measureFloor), one per app,
//     summed and divided by the cores — builds perfectly shared. RSS is sampled every 100 ms meanwhile;
//   - each app then published (a preview and a production, and history), and the idle RSS with them.
// Then BENCH_IDLE_APPS (50) apps in all, each published, for the idle figure with 50 apps (each app has a network
// of its own, with a /26 of SLIPWAY_DOCKER_SUBNETS: Docker's default pools alone would hold about 30). With fewer,
// the 50-app figure is the 0-app one plus 50 × the growth per app measured.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApi, type Api } from '../helpers/e2e-api.js';
import { cloneApp, type Clone } from '../helpers/e2e-git.js';
import { removeInstallationFromDocker } from '../helpers/e2e-docker.js';
import { freePort } from '../helpers/free-port.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { createDockerClient } from '../../src/shared/docker/create-docker-client.js';
import { formatValueRows, median, seconds, type ValueRow } from './format-table.js';
import { measureFloor, measureParallelFloor } from './measure-floor.js';
import { waitForContent } from './wait-for-content.js';

const APPS = Number(process.env.BENCH_CONCURRENT_APPS ?? 20) || 20;
const IDLE_APPS = Math.max(APPS, Number(process.env.BENCH_IDLE_APPS ?? 50) || 50);
/** Floor builds measured (each a distinct change); their median stands for every app's. */
const FLOOR_RUNS = 3;
const MAX_RATIO = 1.2;
const IDLE_TARGET_MB = 120;
const PUSH_TARGET_MB = 250;
const IDLE_TARGET_APPS = 50;
/** The server starts as deploy/slipway.service, scripts/start.sh and the Dockerfile start it (ARCHITECTURE.md, "Server memory"). */
const SERVICE_NODE_FLAGS = ['--max-semi-space-size=1'];
const SERVICE_ENV = { MALLOC_ARENA_MAX: '2' };

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The process's resident memory now (VmRSS), in bytes; NaN once it is gone. */
function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples RSS every 100 ms until stopped; returns the samples. */
function sampleRss(pid: number): { stop(): number[] } {
  const samples: number[] = [rssOf(pid)];
  const timer = setInterval(() => samples.push(rssOf(pid)), 100);
  return {
    stop() {
      clearInterval(timer);
      samples.push(rssOf(pid));
      return samples.filter(Number.isFinite);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Idle: after `settleMs` with nothing asked of it (V8's memory reducer shrinks the heap meanwhile), the median of 5 s of samples (the timers' passes included). */
async function idleRss(pid: number, settleMs = 15_000): Promise<number> {
  await sleep(settleMs);
  const s = sampleRss(pid);
  await sleep(5_000);
  return median(s.stop());
}

const page = (marker: string) => `<!doctype html><title>${marker}</title><h1>${marker}</h1>\n`;

async function ok(api: Api, method: string, path: string, body?: unknown): Promise<any> {
  const r = await api(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

async function waitLive(api: Api, app: string, environment: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const envs = (await ok(api, 'GET', `/api/apps/${app}/environments`)).environments as { name: string; status: string }[];
    if (envs.find((e) => e.name === environment)?.status === 'live') return;
    if (Date.now() > deadline) throw new Error(`${app}: ${environment} never went live`);
    await sleep(250);
  }
}

/** Makes `names` through the API, `parallel` at a time, and waits until each first preview is live. */
async function createApps(api: Api, names: string[], parallel = 4): Promise<void> {
  const todo = [...names];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let name = todo.shift(); name; name = todo.shift()) {
        await ok(api, 'POST', '/api/apps', { name, template: 'static-site' });
        await waitLive(api, name, 'preview');
      }
    }),
  );
}

export async function runConcurrentBench(buildArgsRaw: string): Promise<string> {
  const buildArgs = Object.fromEntries(
    buildArgsRaw
      .split(',')
      .filter(Boolean)
      .map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()]),
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-bench-concurrent-'));
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const suffix = process.pid.toString(36);
  const names = Array.from({ length: IDLE_APPS }, (_, i) => `bc${i + 1}-${suffix}`);
  const pushed = names.slice(0, APPS);
  const docker = createDockerClient({ socketPath: undefined, host: process.env.DOCKER_HOST });
  const cores = availableParallelism();
  const clones: Clone[] = [];
  const floorImages: string[] = [];
  let server: ServerProcess | undefined;
  const api = createApi(`http://127.0.0.1:${port}`, token);
  const rows: ValueRow[] = [];
  const lines: string[] = [];
  try {
    server = startServerProcess(
      {
        ...SERVICE_ENV,
        SLIPWAY_DATA_DIR: dataDir,
        SLIPWAY_PORT: String(port),
        SLIPWAY_ADMIN_TOKEN: token,
        SLIPWAY_LOG_LEVEL: 'warn',
        ...(buildArgsRaw ? { SLIPWAY_BUILD_ARGS: buildArgsRaw } : {}),
        ...(process.env.SLIPWAY_BUILD_CONCURRENCY ? { SLIPWAY_BUILD_CONCURRENCY: process.env.SLIPWAY_BUILD_CONCURRENCY } : {}),
      },
      [process.execPath, ...SERVICE_NODE_FLAGS, join(import.meta.dirname, '..', '..', 'dist', 'src', 'main.js'), 'serve'],
    );
    await server.waitFor(/Slipway is serving on/, 60_000);
    const pid = server.child.pid!;

    log(`concurrent: idle with 0 apps…`);
    const idleEmpty = await idleRss(pid);

    log(`concurrent: making ${APPS} static-site apps…`);
    await createApps(api, pushed);
    for (const name of pushed) clones.push(await cloneApp(`http://slipway:${token}@127.0.0.1:${port}/git/${name}.git`));

    // The floor: the same change by hand, FLOOR_RUNS times (each its own content, so no layer comes from the cache).
    const floors: number[] = [];
    for (let i = 0; i <= FLOOR_RUNS; i++) {
      const marker = `floor ${i} ${Date.now().toString(36)}`;
      const image = `slipway-bench-floor/${suffix}:${i}`;
      floorImages.push(image);
      const f = await measureFloor({
        docker,
        gitdir: join(clones[0]!.dir, '.git'),
        commit: await clones[0]!.head(),
        image,
        buildArgs,
        marker,
        apply: (dir) => writeFileSync(join(dir, 'public', 'index.html'), page(marker)),
      });
      if (i > 0) floors.push(f.totalMs); // the first warms the base image's layers up
    }
    const floorEach = median(floors);
    const floorMs = (floorEach * APPS) / cores;

    // The parallel floor: the same APPS distinct changes by hand, 1 at a time and `cores` at a time (the wall time):
    // whether builds and container starts side by side gain anything on this machine at all.
    const parallelFloors: { parallel: number; wallMs: number }[] = [];
    for (const parallel of [...new Set([1, cores])]) {
      log(`concurrent: the parallel floor, ${APPS} changes by hand, ${parallel} at a time…`);
      const r = await measureParallelFloor({
        docker,
        gitdir: join(clones[0]!.dir, '.git'),
        commit: await clones[0]!.head(),
        buildArgs,
        count: APPS,
        parallel,
        imagePrefix: `slipway-bench-floor/${suffix}:p${parallel}`,
        apply: (dir, marker) => writeFileSync(join(dir, 'public', 'index.html'), page(marker)),
      });
      parallelFloors.push({ parallel, wallMs: r.wallMs });
    }

    // Every app a distinct change, committed beforehand; then all pushed at the same moment.
    const markers = await Promise.all(
      clones.map(async (c, i) => {
        const marker = `${pushed[i]} pushed ${Date.now().toString(36)}`;
        await c.commit({ 'public/index.html': page(marker) }, `bench: ${marker}`);
        return marker;
      }),
    );
    await sleep(3000);
    log(`concurrent: pushing ${APPS} apps at once…`);
    const rss = sampleRss(pid);
    const t0 = performance.now();
    const results = await Promise.all(
      clones.map(async (c, i) => {
        const push = c.push('origin', 'main');
        const seen = await waitForContent({ port, host: `${pushed[i]}-preview.localhost`, marker: markers[i]!, timeoutMs: 600_000, intervalMs: 100 });
        return { seen: seen - t0, push: await push };
      }),
    );
    const pushSamples = rss.stop();
    const lastLive = Math.max(...results.map((r) => r.seen));
    const failed = results.filter((r) => r.push.code !== 0);
    const queued = results.filter((r) => /queued: position \d+ of \d+/.test(r.push.output)).length;
    if (failed.length > 0) log(`concurrent: ${failed.length} push(es) failed:\n${failed[0]!.push.output}`);

    // Where the time went: the builds' own records (queued → started → finished), against the floor's builds.
    const builds = await Promise.all(
      clones.map(async (c, i) => {
        const head = await c.head();
        const all = (await ok(api, 'GET', `/api/apps/${pushed[i]}/builds`)).builds as { commit: string; startedAt: string; finishedAt: string }[];
        const b = all.find((x) => x.commit === head);
        return b ? { start: Date.parse(b.startedAt), end: Date.parse(b.finishedAt) } : undefined;
      }),
    );
    const spans = builds.filter((b) => b !== undefined);
    const buildSum = spans.reduce((sum, b) => sum + (b.end - b.start), 0);
    const buildSpan = Math.max(...spans.map((b) => b.end)) - Math.min(...spans.map((b) => b.start));

    log(`concurrent: publishing each app (a production, and history)…`);
    for (const name of pushed) {
      await ok(api, 'POST', `/api/apps/${name}/publish`, {});
      await waitLive(api, name, 'prod');
    }
    if (IDLE_APPS > APPS) {
      log(`concurrent: making ${IDLE_APPS - APPS} more apps (${IDLE_APPS} in all), each published…`);
      await createApps(api, names.slice(APPS));
      for (const name of names.slice(APPS)) {
        await ok(api, 'POST', `/api/apps/${name}/publish`, {});
        await waitLive(api, name, 'prod');
      }
    }
    log(`concurrent: idle with ${IDLE_APPS} apps…`);
    const idleApps = await idleRss(pid);
    // Idle figures wander by a few MB with the garbage collector: a negative growth is noise, taken as none.
    const perApp = Math.max(0, (idleApps - idleEmpty) / IDLE_APPS);
    const idle50 = IDLE_APPS >= IDLE_TARGET_APPS ? idleApps : idleEmpty + perApp * IDLE_TARGET_APPS;
    const concurrency = process.env.SLIPWAY_BUILD_CONCURRENCY ?? String(cores);

    const ratio = lastLive / floorMs;
    rows.push({
      metric: `${APPS} concurrent pushes: last preview live`,
      value: `${seconds(lastLive)} (${ratio.toFixed(2)}× floor ${seconds(floorMs)})`,
      target: `≤ ${MAX_RATIO}× (floor: ${APPS} × ${seconds(floorEach)} by hand ÷ ${cores} cores)`,
      pass: ratio <= MAX_RATIO && failed.length === 0,
      ...(failed.length > 0 ? { note: `${failed.length} push(es) failed` } : {}),
    });
    // Not a target: what limits the one above (the issue's floor assumes the builds share the cores perfectly).
    const serial = parallelFloors.find((p) => p.parallel === 1)!;
    const wide = parallelFloors.at(-1)!;
    rows.push({
      metric: `${APPS} changes by hand, 1 / ${wide.parallel} at a time (parallel floor)`,
      value:
        `${seconds(serial.wallMs)} / ${seconds(wide.wallMs)} (${(serial.wallMs / wide.wallMs).toFixed(2)}× from ${wide.parallel} at once); ` +
        `Slipway ${(lastLive / Math.min(serial.wallMs, wide.wallMs)).toFixed(2)}× the faster`,
      target: '',
      pass: true,
    });
    rows.push({
      metric: `${APPS} concurrent pushes: previews serving their commit`,
      value: `${results.length - failed.length} of ${APPS} (${queued} said their queue place)`,
      target: `all ${APPS}`,
      pass: failed.length === 0,
    });
    rows.push({ metric: 'server RSS idle, 0 apps', value: mb(idleEmpty), target: '', pass: true });
    rows.push({ metric: `server RSS idle, ${IDLE_APPS} apps (2 environments each)`, value: mb(idleApps), target: '', pass: true });
    rows.push({
      metric: `server RSS idle, ${IDLE_TARGET_APPS} apps${IDLE_APPS >= IDLE_TARGET_APPS ? '' : ` (0 apps + ${IDLE_TARGET_APPS} × ${mb(perApp)}/app)`}`,
      value: mb(idle50),
      target: `≤ ${IDLE_TARGET_MB} MB`,
      pass: idle50 <= IDLE_TARGET_MB * 2 ** 20,
    });
    rows.push({
      metric: `server RSS during the ${APPS}-app push (peak of 100 ms samples)`,
      value: mb(Math.max(...pushSamples)),
      target: `≤ ${PUSH_TARGET_MB} MB`,
      pass: Math.max(...pushSamples) <= PUSH_TARGET_MB * 2 ** 20,
    });
    const times = results.map((r) => r.seen).sort((a, b) => a - b);
    lines.push(
      `${APPS} static-site apps pushed at once, SLIPWAY_BUILD_CONCURRENCY=${concurrency}, server started as the service (node ${SERVICE_NODE_FLAGS.join(' ')}, MALLOC_ARENA_MAX=${SERVICE_ENV.MALLOC_ARENA_MAX}), ${cores} CPUs (${cpus()[0]?.model ?? 'unknown CPU'}); ` +
        `live after ${seconds(times[0]!)} (first), ${seconds(median(times))} (median), ${seconds(lastLive)} (last); floor by hand ${floors.map(seconds).join(', ')}`,
      `the ${spans.length} builds: ${seconds(buildSum / Math.max(1, spans.length))} each on average (the floor's whole change by hand: ${seconds(floorEach)}), ` +
        `${seconds(buildSpan)} from the first start to the last end`,
    );
  } finally {
    for (const name of names) await api('DELETE', `/api/apps/${name}`).catch(() => undefined);
    await server?.kill();
    for (const c of clones) c.remove();
    for (const image of floorImages)
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => undefined);
    await removeInstallationFromDocker(dataDir).catch((e: unknown) => log(`removing the bench's networks: ${(e as Error).message}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
  return formatConcurrent(rows, lines);
}

function formatConcurrent(rows: ValueRow[], lines: string[]): string {
  return [
    '',
    'Concurrent pushes and memory (test/bench/concurrent-pushes.ts; the server in its own process, RSS from /proc/PID/status)',
    '',
    formatValueRows(rows),
    '',
    ...lines,
  ].join('\n');
}
