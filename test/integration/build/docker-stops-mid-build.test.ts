// "Stop the Docker daemon": a build cut off by the engine stopping fails as DOCKER_UNREACHABLE (retried without
// a person), not as a failed build, and builds again once the engine is back. Runs a second, private dockerd
// (own socket, data and exec roots, no iptables) so the shared engine is never stopped, inside its own network
// namespace: dockerd with --bridge=none deletes the host's `docker0` by name, which breaks the shared engine.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../../src/build/build-image.js';
import { createDockerClient } from '../../../src/shared/docker/create-docker-client.js';
import { makeBareRepo } from '../../unit/build/make-bare-repo.js';

const NGINX_IMAGE = /(?:^|,)NGINX_IMAGE=([^,]+)/.exec(process.env.SLIPWAY_BUILD_ARGS ?? '')?.[1] ?? 'slipway-base/nginx:1';
const canRunDockerd =
  process.getuid?.() === 0 &&
  ['/usr/sbin/dockerd', '/usr/bin/dockerd'].some((p) => existsSync(p)) &&
  ['/usr/bin/unshare', '/bin/unshare'].some((p) => existsSync(p));

describe.skipIf(!canRunDockerd)('a build when the Docker Engine stops', () => {
  // Short: the unix socket path of the private containerd must stay under 108 bytes.
  const dir = mkdtempSync(join(tmpdir(), 'slw-dockerd-'));
  const socketPath = join(dir, 'docker.sock');
  let dockerd: ChildProcess | undefined;
  const docker = createDockerClient({ socketPath });

  // Its own empty configuration: the host's /etc/docker/daemon.json may set hosts or bridges of the shared engine.
  const configFile = join(dir, 'daemon.json');
  writeFileSync(configFile, '{}\n');

  async function startDockerd(): Promise<void> {
    // `unshare --net` execs dockerd (same PID); the unix socket is a path, reachable from any namespace.
    const child = spawn(
      'unshare',
      [
        '--net',
        '--',
        'dockerd',
        '--config-file',
        configFile,
        '-H',
        `unix://${socketPath}`,
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'docker.pid'),
        '--bridge=none',
        '--iptables=false',
        '--ip-masq=false',
        '--shutdown-timeout',
        '2',
      ],
      { stdio: ['ignore', 'ignore', 'ignore'] },
    );
    dockerd = child;
    const until = Date.now() + 60_000;
    while (
      !(await docker.ping().then(
        () => true,
        () => false,
      ))
    ) {
      if (child.exitCode !== null) throw new Error(`dockerd exited with ${child.exitCode}`);
      if (Date.now() > until) throw new Error('dockerd did not answer within 60s');
      await sleep(250);
    }
  }

  async function stopDockerd(): Promise<void> {
    const child = dockerd;
    dockerd = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000).then(() => child.kill('SIGKILL'))]);
  }

  beforeAll(async () => {
    await startDockerd();
    // The private engine gets the offline base image from the shared one.
    const shared: Docker = createDockerClient({});
    const tarball = await shared.getImage(NGINX_IMAGE).get();
    const loading = await docker.loadImage(tarball);
    for await (const _ of loading as AsyncIterable<unknown>) void _;
  });

  afterAll(async () => {
    await stopDockerd();
    // dockerd unmounts its layers on a clean exit; never delete through a mount it left behind.
    const mounts = readFileSync('/proc/mounts', 'utf8');
    if (!mounts.includes(dir)) rmSync(dir, { recursive: true, force: true });
  });

  it('fails as DOCKER_UNREACHABLE with no person needed, then builds once the engine is back', { timeout: 180_000 }, async () => {
    const repo = await makeBareRepo(join(dir, 'repo'), [
      { path: 'Dockerfile', content: 'ARG BASE\nFROM ${BASE}\nARG NAP=0\nRUN echo step-started && sleep $NAP\n' },
    ]);
    const logFile = join(dir, 'logs', 'build.log');
    let stopping: Promise<void> | undefined;
    const cut = buildImage({
      docker,
      gitdir: repo.gitdir,
      app: 'stopped-engine',
      commit: repo.first,
      buildArgs: { BASE: NGINX_IMAGE, NAP: '60' },
      logFile,
      onLine: (line) => {
        if (line === 'step-started') stopping ??= stopDockerd();
      },
    });
    // dockerd kills the running step and reports "returned a non-zero code: 137" before it goes away.
    await expect(cut).rejects.toMatchObject({
      code: 'DOCKER_UNREACHABLE',
      needsPerson: false,
      message: expect.stringMatching(new RegExp(`^Docker is not reachable at unix://${socketPath}: `)),
    });
    await stopping;
    expect(readFileSync(logFile, 'utf8')).toMatch(/returned a non-zero code: 137[\s\S]*build failed: Docker is not reachable/);

    await startDockerd();
    const again = await buildImage({
      docker,
      gitdir: repo.gitdir,
      app: 'stopped-engine',
      commit: repo.first,
      buildArgs: { BASE: NGINX_IMAGE, NAP: '0' },
      logFile,
      onLine: () => undefined,
    });
    expect(again).toMatchObject({ reused: false, image: `slipway/stopped-engine:${repo.first.slice(0, 12)}` });
  });
});
