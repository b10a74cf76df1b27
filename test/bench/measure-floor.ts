// The floor: the same change done by hand with the Docker CLI on the same commit's tree — `docker build` with
// the same build args (classic builder, as Slipway uses), `docker run -d -p 127.0.0.1::PORT`, then polling until
// the first 200 with the new content. Preparing the tree (`git archive`) is not timed: a person has it checked out.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { parseAppSettings } from '../../src/domain/parse-app-settings.js';
import { waitForContent } from './wait-for-content.js';

export interface FloorOptions {
  docker: Docker;
  gitdir: string;
  commit: string;
  /** Image name to build (removed by the caller at the end). */
  image: string;
  buildArgs: Readonly<Record<string, string>>;
  /**
   * Rewrites the change in the extracted tree to a floor-only marker. Building the very same tree again would
   * take every layer from the cache (Slipway just built it), which is not the same change done by hand.
   */
  apply(dir: string): void;
  marker: string;
}

export interface FloorResult {
  buildMs: number;
  /** `docker run` until it returned. */
  runMs: number;
  /** From `docker run` to the first 200 with the new content: what publish and rollback do by hand. */
  runToFirstOkMs: number;
  totalMs: number;
}

export function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err.trim().slice(-500)}`))));
  });
}

export async function measureFloor(o: FloorOptions): Promise<FloorResult> {
  const tree = await prepareTree(o);
  let container: string | undefined;
  try {
    const r = await buildAndRun(o, tree, (id) => (container = id));
    return r;
  } finally {
    if (container)
      await o.docker
        .getContainer(container)
        .remove({ force: true })
        .catch(() => undefined);
    rmSync(tree.dir, { recursive: true, force: true });
  }
}

interface Tree {
  dir: string;
  port: number;
  env: Record<string, string>;
}

/** The commit's tree with the change applied, as a person has it checked out (not timed). */
async function prepareTree(o: Pick<FloorOptions, 'gitdir' | 'commit' | 'apply'>): Promise<Tree> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-floor-'));
  const tar = `${dir}.tar`;
  await run('git', [`--git-dir=${o.gitdir}`, 'archive', '--format=tar', '-o', tar, o.commit]);
  await run('tar', ['-xf', tar, '-C', dir]);
  rmSync(tar, { force: true });
  o.apply(dir);
  const settings = parseAppSettings(readFileSync(join(dir, 'slipway.yaml'), 'utf8'));
  return { dir, port: settings.port, env: { PORT: String(settings.port), ...settings.env } };
}

/** `docker build`, `docker run`, first 200 with the marker: the timed part. `started` gets the container's id. */
async function buildAndRun(
  o: Pick<FloorOptions, 'docker' | 'image' | 'buildArgs' | 'marker'>,
  tree: Tree,
  started: (container: string) => void,
): Promise<FloorResult> {
  const t0 = performance.now();
  const buildArgs = Object.entries(o.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  await run('docker', ['build', '-q', '-t', o.image, ...buildArgs, tree.dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  const t1 = performance.now();
  const container = await run('docker', [
    'run',
    '-d',
    '-p',
    `127.0.0.1::${tree.port}`,
    ...Object.entries(tree.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    o.image,
  ]);
  started(container);
  const t2 = performance.now();
  // The published port, from the API (one short request) rather than a second CLI start-up.
  const info = await o.docker.getContainer(container).inspect();
  const port = Number(info.NetworkSettings.Ports[`${tree.port}/tcp`]?.[0]?.HostPort);
  const t3 = await waitForContent({ port, marker: o.marker, intervalMs: 20 });
  return { buildMs: t1 - t0, runMs: t2 - t1, runToFirstOkMs: t3 - t1, totalMs: t3 - t0 };
}

export interface ParallelFloorOptions extends Pick<FloorOptions, 'docker' | 'gitdir' | 'commit' | 'buildArgs'> {
  /** How many distinct changes (each its own tree, image and container). */
  count: number;
  /** How many are built and run at once. */
  parallel: number;
  /** Image `${imagePrefix}-${i}` for change i (removed here at the end). */
  imagePrefix: string;
  /** Writes change i's marker into its tree. */
  apply(dir: string, marker: string): void;
}

/**
 * The parallel floor: `count` distinct changes done by hand, `parallel` at a time (each: build, run, first 200), all
 * trees prepared beforehand; the wall time from the first build to the last first 200. Says whether Docker's classic
 * builder and container starts gain anything from running side by side on this machine.
 */
export async function measureParallelFloor(o: ParallelFloorOptions): Promise<{ wallMs: number; eachMs: number[] }> {
  const tag = Date.now().toString(36);
  const jobs = Array.from({ length: o.count }, (_, i) => ({ i, marker: `parallel floor ${i} ${tag}` }));
  const trees = await Promise.all(jobs.map((j) => prepareTree({ ...o, apply: (dir) => o.apply(dir, j.marker) })));
  const containers: string[] = [];
  const eachMs: number[] = [];
  try {
    const todo = [...jobs];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: o.parallel }, async () => {
        for (let j = todo.shift(); j; j = todo.shift()) {
          const r = await buildAndRun({ ...o, image: `${o.imagePrefix}-${j.i}`, marker: j.marker }, trees[j.i]!, (id) => containers.push(id));
          eachMs.push(r.totalMs);
        }
      }),
    );
    return { wallMs: performance.now() - t0, eachMs };
  } finally {
    for (const id of containers)
      await o.docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    for (const j of jobs)
      await o.docker
        .getImage(`${o.imagePrefix}-${j.i}`)
        .remove({ force: true })
        .catch(() => undefined);
    for (const t of trees) rmSync(t.dir, { recursive: true, force: true });
  }
}
