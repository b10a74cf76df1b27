// Slipway killed (SIGKILL) in the middle of a build and in the middle of a deploy: on restart the reconciler
// converges — preview serves main's head — no record is left building or deploying, and no container is orphaned.
// The server runs as a child process on a fixed data folder and port, so that it can be killed and started again.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logPath } from '../../../src/pipeline/log-paths.js';
import { eventually } from '../../helpers/app-http.js';
import { createApi, unfinishedRecords, waitForPreview, type Api } from '../../helpers/e2e-api.js';
import { createDockerForwarder } from '../../helpers/e2e-docker-forwarder.js';
import { retiredName } from '../../../src/runtime/docker/container-names.js';
import { containersOf, removeAppFromDocker, removeInstallationFromDocker, servingContainerName, uniqueAppName } from '../../helpers/e2e-docker.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { freePort } from '../../helpers/free-port.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

const app = uniqueAppName('crash');
const dataDir = mkdtempSync(join(tmpdir(), 'slipway-crash-'));
const token = randomBytes(24).toString('hex');
const serving = servingContainerName(dataDir, app);
const templateDockerfile = readFileSync(join(import.meta.dirname, '..', '..', '..', 'app-templates', 'static-site', 'Dockerfile'), 'utf8');
// Slipway reaches Docker through a socket the test can take away (see docker-down.test.ts): a machine that
// restarts may start Slipway before Docker.
const docker = createDockerForwarder(join(mkdtempSync(join(tmpdir(), 'slw-fwd-')), 'docker.sock'));
const page = (marker: string) => `<!doctype html><title>${marker}</title><h1>${marker}</h1>\n`;

let port: number;
let api: Api;
let server: ServerProcess | undefined;
let clone: Clone;

async function startSlipway(env: Record<string, string> = {}): Promise<ServerProcess> {
  const s = startServerProcess({
    SLIPWAY_DOCKER_SOCKET: docker.socketPath,
    ...env,
    SLIPWAY_DATA_DIR: dataDir,
    SLIPWAY_PORT: String(port),
    SLIPWAY_ADMIN_TOKEN: token,
    SLIPWAY_LOG_LEVEL: 'info',
    ...(process.env.SLIPWAY_BUILD_ARGS ? { SLIPWAY_BUILD_ARGS: process.env.SLIPWAY_BUILD_ARGS } : {}),
  });
  await s.waitFor(/Slipway is serving on/);
  return s;
}

async function killSlipway(): Promise<void> {
  await server?.kill('SIGKILL');
  server = undefined;
}

async function builds(): Promise<Record<string, any>[]> {
  return (await api('GET', `/api/apps/${app}/builds`)).body.builds;
}

async function deployments(): Promise<Record<string, any>[]> {
  return (await api('GET', `/api/apps/${app}/deployments`)).body.deployments;
}

/** Containers whose command holds `marker` (build steps carry no Slipway label), running or not. */
async function containersWithCommand(marker: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('docker', ['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Command}}']);
  return stdout.split('\n').filter((l) => l.includes(marker));
}

/** After the restart: preview serves `text` from `commit`, nothing is left half-done, only the serving container. */
async function expectConverged(commit: string, text: string): Promise<void> {
  try {
    await waitForPreview(port, app, text, 90_000);
    await eventually(async () => (await unfinishedRecords(api, app)).length === 0, 10_000, 'no building or deploying records');
    // The container that served before is retired after its grace period; nothing else may be left.
    await eventually(async () => (await containersOf(app)).length === 1, 20_000, 'only the serving container');
  } catch (e) {
    throw new Error(`${(e as Error).message}\ncontainers: ${JSON.stringify(await containersOf(app))}\nSlipway's output:\n${server?.output().slice(-4000)}`);
  }
  expect(await containersOf(app)).toEqual([{ name: serving, state: 'running', commit }]);
  const envs = (await api('GET', `/api/apps/${app}/environments`)).body.environments;
  expect(envs.find((e: { name: string }) => e.name === 'preview')).toMatchObject({ commit, appliedCommit: commit, status: 'live' });
}

beforeAll(async () => {
  await docker.start();
  port = await freePort();
  api = createApi(`http://127.0.0.1:${port}`, token);
  server = await startSlipway();
  expect((await api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
  clone = await cloneApp(`http://slipway:${token}@127.0.0.1:${port}/git/${app}.git`);
  await waitForPreview(port, app, 'Hello from Slipway', 60_000);
}, 90_000);

afterAll(async () => {
  try {
    await docker.start();
    if (!server) server = await startSlipway();
    expect((await api('DELETE', `/api/apps/${app}`)).status).toBe(204);
  } finally {
    await server?.kill('SIGTERM');
    clone?.remove();
    await docker.stop();
    rmSync(dirname(docker.socketPath), { recursive: true, force: true });
    await removeAppFromDocker(app);
    await removeInstallationFromDocker(dataDir).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);

describe('a server killed mid-pipeline', () => {
  it('killed in the middle of a build: on restart the commit is built again and goes live', { timeout: 120_000 }, async () => {
    const marker = `slipway-slow-step-${app}`;
    const slow = templateDockerfile.replace(/^(COPY nginx\.conf .*)$/m, `RUN sleep 6 && echo ${marker}\n$1`);
    const commit = await clone.commit({ Dockerfile: slow, 'public/index.html': page('built after a crash') }, 'A slow build');
    const pushed = await clone.push('-o', 'async', 'origin', 'main');
    expect(pushed.code, pushed.output).toBe(0);
    expect(pushed.output).toContain('remote: async: not waiting for the build and deploy');

    // Killed while Docker runs the slow step.
    const build = await eventually(async () => (await builds()).find((b) => b.commit === commit && b.status === 'building'), 30_000, 'the build to start');
    // The API gives the log's URL, never its path; the test knows where the data folder keeps it.
    const buildLog = logPath(dataDir, 'builds', build.id);
    await eventually(() => existsSync(buildLog) && readFileSync(buildLog, 'utf8').includes('RUN sleep 6'), 30_000, 'the slow step');
    await killSlipway();

    server = await startSlipway();
    await expectConverged(commit, 'built after a crash');
    const after = (await builds()).filter((b) => b.commit === commit);
    expect(after.map((b) => b.status)).toEqual(['succeeded', 'failed']);
    expect(after[1]).toMatchObject({ id: build.id, needsPerson: 0, error: expect.stringMatching(/interrupted by a restart/) });
    expect(await containersWithCommand(marker)).toEqual([]);
  });

  it('killed in the middle of a deploy: on restart the half-started container is removed and the commit goes live', { timeout: 120_000 }, async () => {
    const slowStart = templateDockerfile.replace(/^CMD .*$/m, `CMD ["sh", "-c", "sleep 6; exec nginx -g 'daemon off;'"]`);
    const commit = await clone.commit({ Dockerfile: slowStart, 'public/index.html': page('deployed after a crash') }, 'A slow start');
    const pushed = await clone.push('-o', 'async', 'origin', 'main');
    expect(pushed.code, pushed.output).toBe(0);

    // Killed while the candidate container is starting next to the serving one.
    const deployment = await eventually(
      async () => (await deployments()).find((d) => d.commit === commit && d.status === 'deploying'),
      60_000,
      'the deploy to start',
    );
    await eventually(async () => (await containersOf(app)).some((c) => c.commit === commit), 30_000, 'the candidate container');
    await killSlipway();
    const left = await containersOf(app);
    expect(left.map((c) => c.name)).toEqual(expect.arrayContaining([serving, expect.stringMatching(new RegExp(`^${serving}_.+`))]));

    server = await startSlipway();
    await expectConverged(commit, 'deployed after a crash');
    const mine = (await deployments()).filter((d) => d.commit === commit && d.environment === 'preview');
    expect(mine.map((d) => d.status)).toEqual(['live', 'failed']);
    expect(mine[1]).toMatchObject({ id: deployment.id, reason: expect.stringMatching(/interrupted by a restart/) });
    // The build was not repeated: the image of the commit is reused.
    expect((await builds()).filter((b) => b.commit === commit).map((b) => b.status)).toEqual(['succeeded']);
  });

  it(
    'killed in the middle of a deploy and restarted before Docker is back: the half-started container is removed once it is',
    { timeout: 120_000 },
    async () => {
      const commit = await clone.commit({ 'public/index.html': page('deployed after a reboot') }, 'After a reboot');
      const pushed = await clone.push('-o', 'async', 'origin', 'main');
      expect(pushed.code, pushed.output).toBe(0);
      await eventually(async () => (await deployments()).find((d) => d.commit === commit && d.status === 'deploying'), 60_000, 'the deploy to start');
      await eventually(async () => (await containersOf(app)).some((c) => c.commit === commit), 30_000, 'the candidate container');
      await killSlipway();

      // The machine comes back: Slipway first, Docker a moment later.
      await docker.stop();
      server = await startSlipway({ SLIPWAY_RECONCILE_INTERVAL_MS: '500' });
      expect((await api('GET', `/api/apps/${app}`)).status).toBe(200);
      expect(await unfinishedRecords(api, app)).toEqual([]);
      await docker.start();
      await expectConverged(commit, 'deployed after a reboot');
    },
  );

  it('killed between the two renames of a switch: what served before takes its name back and serves at once', { timeout: 120_000 }, async () => {
    const before = await containersOf(app);
    expect(before).toHaveLength(1);
    const { stdout: id } = await promisify(execFile)('docker', ['inspect', '--format', '{{.Id}}', serving]);
    const records = (await deployments()).length;
    await killSlipway();
    // The old container stepped aside; the new one never took the serving name (and was never started).
    await promisify(execFile)('docker', ['rename', serving, retiredName(serving, Date.now())]);

    server = await startSlipway();
    // Right after the start, before any new container could be deployed: the old one serves under its own name.
    expect(await containersOf(app)).toEqual([{ name: serving, state: 'running', commit: before[0]!.commit }]);
    expect((await promisify(execFile)('docker', ['inspect', '--format', '{{.Id}}', serving])).stdout).toBe(id);
    await waitForPreview(port, app, 'deployed after a reboot', 5_000);
    // Nothing was deployed again: the records know it as live already.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await deployments()).length).toBe(records);
    expect(await containersOf(app)).toEqual([{ name: serving, state: 'running', commit: before[0]!.commit }]);
  });
});
