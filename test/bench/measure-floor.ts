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
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-floor-'));
  let container: string | undefined;
  try {
    const tar = `${dir}.tar`;
    await run('git', [`--git-dir=${o.gitdir}`, 'archive', '--format=tar', '-o', tar, o.commit]);
    await run('tar', ['-xf', tar, '-C', dir]);
    rmSync(tar, { force: true });
    o.apply(dir);
    const settings = parseAppSettings(readFileSync(join(dir, 'slipway.yaml'), 'utf8'));
    const env = { PORT: String(settings.port), ...settings.env };

    const t0 = performance.now();
    const buildArgs = Object.entries(o.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
    await run('docker', ['build', '-q', '-t', o.image, ...buildArgs, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    const t1 = performance.now();
    container = await run('docker', [
      'run',
      '-d',
      '-p',
      `127.0.0.1::${settings.port}`,
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      o.image,
    ]);
    const t2 = performance.now();
    // The published port, from the API (one short request) rather than a second CLI start-up.
    const info = await o.docker.getContainer(container).inspect();
    const port = Number(info.NetworkSettings.Ports[`${settings.port}/tcp`]?.[0]?.HostPort);
    const t3 = await waitForContent({ port, marker: o.marker, intervalMs: 20 });
    return { buildMs: t1 - t0, runMs: t2 - t1, runToFirstOkMs: t3 - t1, totalMs: t3 - t0 };
  } finally {
    if (container)
      await o.docker
        .getContainer(container)
        .remove({ force: true })
        .catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
