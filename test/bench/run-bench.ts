// `npm run bench`: how long a change takes to go live, on the real server, git CLI and Docker Engine.
// push-to-live (git push start → the preview URL serves the new content) for a one-line change to static-site
// and simple-api, publish-to-live, rollback-to-live to the release just replaced (its container kept warm) and to
// an older one (cold: a new container), each the median of BENCH_RUNS (≥ 5) runs after one warm-up, next to the
// floor measured in the same run: the same change done by hand with the Docker CLI.
// BENCH_ONLY=live,… (comma list; default all) picks sections: `live` is this one.
// Benchmarks are not tests: it exits 0 and says which targets are missed. All traffic stays on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitEnv, gitOk } from '../helpers/git-cli.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { formatVerdicts, judge, median, seconds, type ResultRow } from './format-table.js';
import { measureFloor, type FloorResult } from './measure-floor.js';
import { formatDockerCalls, formatPhases, MOVE_PHASES, PUSH_PHASES } from './summarize-trace.js';
import { tracePipeline, type Recording } from './trace-pipeline.js';
import { waitForContent } from './wait-for-content.js';

const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5) || 5);
const OFFLINE_BUILD_ARGS = 'PYTHON_IMAGE=slipway-base/python:3.11,NGINX_IMAGE=slipway-base/nginx:1';

interface BenchApp {
  template: string;
  name: string;
  pushTargetMs: number;
  /** The one-line change: makes the app show `marker`. */
  change(dir: string, marker: string): void;
}

const suffix = process.pid.toString(36);
const APPS: BenchApp[] = [
  {
    template: 'static-site',
    name: `bench-static-site-${suffix}`,
    pushTargetMs: 2500,
    change(dir, marker) {
      const f = join(dir, 'public', 'index.html');
      writeFileSync(f, readFileSync(f, 'utf8').replace(/<h1>.*<\/h1>/, `<h1>${marker}</h1>`));
    },
  },
  {
    template: 'simple-api',
    name: `bench-simple-api-${suffix}`,
    pushTargetMs: 3500,
    change(dir, marker) {
      const f = join(dir, 'slipway.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace(/GREETING: .*/, `GREETING: "${marker}"`));
    },
  },
];
/** Publish and a rollback to a release with no warm container: a container start and a health check. */
const MOVE_TARGET_MS = 700;
/** A rollback to the release just replaced: its container is woken, checked once, and traffic switched. */
const WARM_ROLLBACK_TARGET_MS = 100;
const PUSH_MAX_RATIO = 1.2;

// BENCH_ONLY: a comma list of the sections to run (live, ui, proxy, concurrent); unset runs them all.
const ONLY = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const selected = (section: string) => ONLY.length === 0 || ONLY.includes(section);

interface AppResults {
  push: number[];
  publish: number[];
  rollback: number[];
  coldRollback: number[];
  floor: FloorResult[];
  traces: { push: Recording[]; publish: Recording[]; rollback: Recording[]; coldRollback: Recording[] };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function buildArgsFromEnv(): string {
  if (process.env.SLIPWAY_BUILD_ARGS) return process.env.SLIPWAY_BUILD_ARGS;
  // Docker Hub is unreachable on machines without a network: use the offline base images when they exist.
  try {
    execFileSync('docker', ['image', 'inspect', 'slipway-base/python:3.11', 'slipway-base/nginx:1'], { stdio: 'ignore' });
    log(`SLIPWAY_BUILD_ARGS is unset: using the offline base images (${OFFLINE_BUILD_ARGS})`);
    return OFFLINE_BUILD_ARGS;
  } catch {
    return '';
  }
}

function parseBuildArgs(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',').filter(Boolean)) {
    const i = part.indexOf('=');
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/**
 * Waits until the app has no container left but those serving (retired ones removed) and warm ones paused (their
 * grace period over), so runs don't overlap.
 */
async function waitSettled(server: TestServer, app: string): Promise<void> {
  const docker = server.deps.docker;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const all = await docker.listContainers({ all: true, filters: { label: [`slipway.app=${app}`] } });
    if (all.filter((c) => c.State !== 'paused').length <= server.config.environments.length) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function api(server: TestServer, method: string, path: string, body?: unknown): Promise<any> {
  const r = await server.api(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

async function commitChange(dir: string, app: BenchApp, marker: string): Promise<string> {
  app.change(dir, marker);
  await gitOk(['commit', '-qam', `bench: ${marker}`], { cwd: dir });
  return (await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
}

async function benchApp(
  server: TestServer,
  app: BenchApp,
  buildArgs: Record<string, string>,
  trace: ReturnType<typeof tracePipeline>,
  setCurrent: (name: string) => void,
): Promise<AppResults> {
  setCurrent(app.name);
  const previewHost = `${app.name}-preview.localhost`;
  const prodHost = `${app.name}.localhost`;
  const gitdir = join(server.dataDir, 'repos', `${app.name}.git`);
  const markers = new Map<string, string>(); // commit → what it shows
  const releases: { commit: string; tag: string }[] = []; // published as a new release, oldest first
  // What production serves, and what it served before the last move: the release kept warm (warmReleases: 1).
  let live: string | undefined;
  let replaced: string | undefined;
  const results: AppResults = {
    push: [],
    publish: [],
    rollback: [],
    coldRollback: [],
    floor: [],
    traces: { push: [], publish: [], rollback: [], coldRollback: [] },
  };

  await api(server, 'POST', '/api/apps', { name: app.name, template: app.template });
  const dir = mkdtempSync(join(tmpdir(), `slipway-bench-${app.template}-`));
  try {
    await gitOk(['clone', '-q', server.gitUrl(app.name), dir]);
    const deadline = Date.now() + 180_000;
    while ((await api(server, 'GET', `/api/apps/${app.name}/environments`)).environments[0]?.status !== 'live') {
      if (Date.now() > deadline) throw new Error(`${app.name}: the first preview never went live`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const push = async (marker: string, rec?: Recording): Promise<number> => {
      const commit = await commitChange(dir, app, marker);
      markers.set(commit, marker);
      rec?.mark('start');
      const t0 = performance.now();
      const pushed = gitOk(['push', 'origin', 'main'], { cwd: dir });
      const seen = await waitForContent({ port: server.port, host: previewHost, marker });
      rec?.mark('seen');
      await pushed;
      rec?.mark('returned');
      return seen - t0;
    };
    const publish = async (rec?: Recording): Promise<number> => {
      const commit = (await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
      rec?.mark('start');
      const t0 = performance.now();
      const answered = api(server, 'POST', `/api/apps/${app.name}/publish`, {});
      const seen = await waitForContent({ port: server.port, host: prodHost, marker: markers.get(commit)! });
      rec?.mark('seen');
      const result = await answered;
      rec?.mark('returned');
      if (result.commit !== commit) throw new Error(`publish moved production to ${result.commit}, expected ${commit}`);
      releases.push({ commit, tag: result.tag });
      [replaced, live] = [live, commit];
      return seen - t0;
    };
    /** Warm: back to the release production served before the last move. Cold: to one neither served nor warm. */
    const rollback = async (kind: 'warm' | 'cold', rec?: Recording): Promise<number> => {
      const to = kind === 'warm' ? releases.find((r) => r.commit === replaced) : releases.find((r) => r.commit !== live && r.commit !== replaced);
      if (!to) throw new Error(`no release to roll back to (${kind})`);
      rec?.mark('start');
      const t0 = performance.now();
      const answered = api(server, 'POST', `/api/apps/${app.name}/rollback`, { to: to.tag });
      const seen = await waitForContent({ port: server.port, host: prodHost, marker: markers.get(to.commit)! });
      rec?.mark('seen');
      const result = await answered;
      rec?.mark('returned');
      if (result.commit !== to.commit) throw new Error(`rollback moved production to ${result.commit}, expected ${to.commit}`);
      [replaced, live] = [live, to.commit];
      return seen - t0;
    };

    // Warm-up (not measured): a push and a publish twice, a rollback, and one floor build.
    log(`${app.name}: warming up`);
    for (const w of ['warm-up 1', 'warm-up 2']) {
      await push(`${app.name} ${w}`);
      await waitSettled(server, app.name);
      await publish();
      await waitSettled(server, app.name);
    }
    await rollback('warm');
    await waitSettled(server, app.name);
    const head = (await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
    await measureFloor({
      docker: server.deps.docker,
      gitdir,
      commit: head,
      image: `slipway-bench-floor/${app.name}:warm`,
      buildArgs,
      marker: 'floor warm-up',
      apply: (d) => app.change(d, 'floor warm-up'),
    });

    for (let i = 1; i <= RUNS; i++) {
      const marker = `${app.name} run ${i} ${Date.now().toString(36)}`;
      let rec = trace.begin();
      results.push.push(await push(marker, rec));
      results.traces.push.push(rec);
      await waitSettled(server, app.name);

      // By hand, on the tree of the commit just pushed (its marker made floor-only, so no layer is cached).
      const commit = (await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
      const floorMarker = `${marker} floor`;
      results.floor.push(
        await measureFloor({
          docker: server.deps.docker,
          gitdir,
          commit,
          image: `slipway-bench-floor/${app.name}:${i}`,
          buildArgs,
          marker: floorMarker,
          apply: (d) => app.change(d, floorMarker),
        }),
      );

      rec = trace.begin();
      results.publish.push(await publish(rec));
      results.traces.publish.push(rec);
      await waitSettled(server, app.name);

      rec = trace.begin();
      results.rollback.push(await rollback('warm', rec));
      results.traces.rollback.push(rec);
      await waitSettled(server, app.name);

      rec = trace.begin();
      results.coldRollback.push(await rollback('cold', rec));
      results.traces.coldRollback.push(rec);
      await waitSettled(server, app.name);
      const f = results.floor.at(-1)!;
      log(
        `${app.name} run ${i}/${RUNS}: push ${seconds(results.push.at(-1)!)} (floor ${seconds(f.totalMs)}: build ${seconds(f.buildMs)}, run ${seconds(f.runMs)}, first 200 ${seconds(f.runToFirstOkMs - f.runMs)}), publish ${seconds(results.publish.at(-1)!)}, rollback ${seconds(results.rollback.at(-1)!)} (warm), ${seconds(results.coldRollback.at(-1)!)} (cold)`,
      );
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What deleting the apps may have left (a network still in use by a container being retired), and the images. */
async function removeBenchLeftovers(server: TestServer): Promise<void> {
  const docker = server.deps.docker;
  for (const app of APPS) {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`slipway.app=${app.name}`] } }))
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    for (const n of await docker.listNetworks({ filters: { label: [`slipway.app=${app.name}`] } }))
      await docker
        .getNetwork(n.Id)
        .remove()
        .catch((e: unknown) => log(`could not remove network ${n.Name}: ${(e as Error).message}`));
  }
  const references = APPS.flatMap((a) => [`slipway/${a.name}`, `slipway-bench-floor/${a.name}`]);
  const images = await docker.listImages({ filters: { reference: references } });
  for (const image of images)
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch((e: unknown) => log(`could not remove image ${image.Id}: ${(e as Error).message}`));
}

async function main(): Promise<void> {
  const buildArgsRaw = buildArgsFromEnv();
  const buildArgs = parseBuildArgs(buildArgsRaw);
  const server = await startTestServer(buildArgsRaw ? { SLIPWAY_BUILD_ARGS: buildArgsRaw } : {});
  let current = '';
  const trace = tracePipeline(server.pipeline, server.deps, () => current);
  const stop = async () => {
    await server.stop().catch((e: unknown) => log(`stopping the server: ${(e as Error).message}`));
    await removeBenchLeftovers(server).catch((e: unknown) => log(`removing what the bench left: ${(e as Error).message}`));
    rmSync(gitEnv().HOME!, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));

  const all = new Map<BenchApp, AppResults>();
  try {
    log(`slipway bench: ${RUNS} runs each, ${cpus().length} CPUs, server on ${server.url}`);
    for (const app of APPS) all.set(app, await benchApp(server, app, buildArgs, trace, (n) => (current = n)));
  } finally {
    await stop();
  }

  const rows: ResultRow[] = [];
  for (const [app, r] of all)
    rows.push({
      metric: `push-to-live ${app.template}`,
      samples: r.push,
      floor: r.floor.map((f) => f.totalMs),
      targetMs: app.pushTargetMs,
      maxRatio: PUSH_MAX_RATIO,
    });
  for (const [app, r] of all) {
    const runFloor = r.floor.map((f) => f.runToFirstOkMs);
    rows.push({ metric: `publish-to-live ${app.template}`, samples: r.publish, floor: runFloor, targetMs: MOVE_TARGET_MS });
    rows.push({ metric: `rollback-to-live warm ${app.template}`, samples: r.rollback, floor: runFloor, targetMs: WARM_ROLLBACK_TARGET_MS });
    rows.push({ metric: `rollback-to-live cold ${app.template}`, samples: r.coldRollback, floor: runFloor, targetMs: MOVE_TARGET_MS });
  }
  const verdicts = rows.map(judge);

  const out: string[] = [];
  out.push('');
  out.push(`Slipway benchmark — ${RUNS} runs each after a warm-up, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown CPU'}), Docker runtime`);
  out.push('floor: the same change by hand (docker build + docker run + first 200) for push; docker run + first 200 for publish and rollback');
  out.push('');
  out.push(formatVerdicts(verdicts));
  out.push('');
  for (const [app, r] of all) {
    const f = r.floor;
    out.push(
      `floor ${app.template}: build ${seconds(median(f.map((x) => x.buildMs)))}, docker run ${seconds(median(f.map((x) => x.runMs)))}, run → first 200 ${seconds(median(f.map((x) => x.runToFirstOkMs)))}`,
    );
  }
  for (const [app, r] of all) {
    out.push('');
    out.push(formatPhases(`where push-to-live ${app.template} goes`, r.traces.push, PUSH_PHASES));
    out.push('');
    out.push(formatDockerCalls(`Docker API calls of push-to-live ${app.template}`, r.traces.push));
    out.push('');
    out.push(formatPhases(`where publish-to-live ${app.template} goes`, r.traces.publish, MOVE_PHASES));
    out.push('');
    const woken = r.traces.rollback.filter((t) => t.first(/^deploy: waking the warm container/) !== undefined).length;
    out.push(
      formatPhases(`where rollback-to-live warm ${app.template} goes (${woken} of ${r.rollback.length} woke a warm container)`, r.traces.rollback, MOVE_PHASES),
    );
    out.push('');
    out.push(formatPhases(`where rollback-to-live cold ${app.template} goes`, r.traces.coldRollback, MOVE_PHASES));
    out.push('');
    out.push(formatDockerCalls(`Docker API calls of publish-to-live ${app.template}`, r.traces.publish));
  }
  out.push('');
  const missed = verdicts.filter((v) => !v.pass);
  if (missed.length === 0) out.push('All targets met.');
  else {
    out.push(`${missed.length} target(s) MISSED:`);
    for (const v of missed) out.push(`  - ${v.row.metric}: ${v.misses.join('; ')}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

// ---- Push, publish and rollback to live, against the floor (this file's main) ----
if (selected('live')) await main();

// ---- UI render bench: test/bench/ui-bench.ts (the web UI's; it runs on its own data folder, no Docker) ----
if (selected('ui')) process.stdout.write(`${await (await import('./ui-bench.js')).runUiBench()}\n`);

// ---- Proxy throughput: test/bench/proxy-throughput.ts (its own server and static-site app; needs Docker and ab) ----
if (selected('proxy')) process.stdout.write(`${await (await import('./proxy-throughput.js')).runProxyBench(buildArgsFromEnv())}\n`);

// ---- Concurrent pushes and memory: test/bench/concurrent-pushes.ts (a server process of its own) ----
if (selected('concurrent')) process.stdout.write(`${await (await import('./concurrent-pushes.js')).runConcurrentBench(buildArgsFromEnv())}\n`);
