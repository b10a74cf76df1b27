// `npm start` (scripts/start.sh) as a person runs it: each step says what it did and how long it took, the server
// serves and prints its token, and the first push goes live with no other step (no SLIPWAY_BUILD_ARGS given: the
// script finds the templates' base images, or the offline ones where Docker Hub cannot be reached). A second start
// finds every step done. Where a step cannot be done (not root, no apt-get), one message says what to run.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getViaProxy } from '../../helpers/app-http.js';
import { createApi, waitForPreview } from '../../helpers/e2e-api.js';
import { removeAppFromDocker, removeInstallationFromDocker, uniqueAppName } from '../../helpers/e2e-docker.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { pathWith, removeFakePaths } from '../../helpers/fake-path.js';
import { freePort } from '../../helpers/free-port.js';
import { PROJECT_ROOT } from '../../helpers/k8s-cluster.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

const START = ['bash', join(PROJECT_ROOT, 'scripts', 'start.sh')];
const app = uniqueAppName('first');
const dataDir = mkdtempSync(join(tmpdir(), 'slipway-first-start-'));
const timed = (step: string) => new RegExp(`^slipway: ${step}: .*\\(\\d+\\.\\d s\\)$`, 'm');

let server: ServerProcess | undefined;
let clone: Clone | undefined;
let port = 0;

/** What a person's shell has: PATH and HOME; no SLIPWAY_BUILD_ARGS (the script decides). */
const personEnv = (extra: Record<string, string> = {}) => ({ HOME: process.env.HOME ?? '/root', SLIPWAY_LOG_LEVEL: 'info', ...extra });

afterAll(async () => {
  await server?.kill();
  clone?.remove();
  await removeAppFromDocker(app);
  await removeInstallationFromDocker(dataDir).catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
  removeFakePaths();
});

describe('npm start on a machine with Docker installed', () => {
  it('times each step, serves, and the first push goes live with no other step', { timeout: 600_000 }, async () => {
    port = await freePort();
    server = startServerProcess(personEnv({ SLIPWAY_DATA_DIR: dataDir, SLIPWAY_PORT: String(port) }), START);
    // The token is printed once, after the line saying where it serves.
    await server.waitFor(/keep it somewhere safe:\n\s+slw_\S+\n/, 540_000);
    const out = server.output();
    expect(out).toMatch(timed('build'));
    expect(out).toMatch(timed('docker'));
    expect(out).toMatch(timed('images'));
    const token = /keep it somewhere safe:\n\s+(slw_\S+)/.exec(out)?.[1];
    expect(token, out).toBeTruthy();

    const api = createApi(`http://127.0.0.1:${port}`, token!);
    expect((await api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
    clone = await cloneApp(`http://slipway:${token}@127.0.0.1:${port}/git/${app}.git`);
    const marker = `first push ${randomBytes(4).toString('hex')}`;
    await clone.commit({ 'public/index.html': `<!doctype html><title>${marker}</title><h1>${marker}</h1>\n` }, 'My first change');
    const pushed = await clone.push('origin', 'main');
    expect(pushed.code, pushed.output).toBe(0);
    expect(pushed.output).toMatch(/remote: preview is live/);
    await waitForPreview(port, app, marker, 30_000);
    // The server's own log told the story of that push, one line a step, with the app, commit and durations.
    const commit = (await clone.head()).slice(0, 12);
    const told = server.output();
    expect(told).toMatch(new RegExp(`\\[slipway:pipeline\\] deployment asked for \\(push\\) \\{"app":"${app}","environment":"preview","commit":"${commit}"`));
    expect(told).toMatch(new RegExp(`\\[slipway:pipeline\\] build finished \\{"app":"${app}","commit":"${commit}","build":"[^"]+","durationMs":\\d+`));
    expect(told).toMatch(
      new RegExp(`\\[slipway:pipeline\\] preview is live \\{"app":"${app}","environment":"preview","commit":"${commit}".*"durationMs":\\d+`),
    );
  });

  it('a second start finds every step done and keeps the apps', { timeout: 120_000 }, async () => {
    await server!.kill();
    server = startServerProcess(personEnv({ SLIPWAY_DATA_DIR: dataDir, SLIPWAY_PORT: String(port) }), START);
    await server.waitFor(/Slipway is serving on/, 60_000);
    const out = server.output();
    expect(out).toMatch(/^slipway: build: up to date \(\d+\.\d s\)$/m);
    expect(out).toMatch(/^slipway: docker: running \(.+\) \(\d+\.\d s\)$/m);
    // The images the first start found, pulled or built are found now: nothing pulled or built again.
    expect(out).toMatch(/^slipway: images: (all present|using the offline images)/m);
    expect(out).not.toMatch(/pulling|building the offline/);
    expect(out).not.toContain('An admin token was created');
    expect((await getViaProxy(port, `${app}-preview.localhost`)).status).toBe(200);
  });

  it('builds the offline images when a base image can be neither found nor pulled, and every build gets them', { timeout: 600_000 }, async () => {
    // Docker as on a machine that has none of the images and no Docker Hub; everything else goes to the real one.
    const docker = (await new Promise<string>((resolve, reject) =>
      execFile('bash', ['-c', 'command -v docker'], (e, out) => (e ? reject(e) : resolve(out.trim()))),
    ))!;
    const fake = pathWith([], {
      docker: `case "$1 $2" in\n  "image inspect") exit 1 ;;\n  "pull -q") echo "Error response from daemon: no Docker Hub here" >&2; exit 1 ;;\nesac\nexec ${docker} "$@"`,
    });
    const ownPort = await freePort();
    const ownData = mkdtempSync(join(tmpdir(), 'slipway-first-offline-'));
    const s = startServerProcess({ ...personEnv({ SLIPWAY_DATA_DIR: ownData, SLIPWAY_PORT: String(ownPort) }), PATH: `${fake}:${process.env.PATH}` }, START);
    try {
      await s.waitFor(/Slipway is serving on/, 540_000);
      const out = s.output();
      expect(out).toMatch(/^slipway: images: pulling \S+ \(at most \d+ s\)$/m);
      expect(out).toMatch(/cannot be pulled: building the offline base images/);
      expect(out).toMatch(/^slipway: images: built the offline images \(\d+\.\d s\)$/m);
      expect(out).toMatch(/^slipway: images: every build gets SLIPWAY_BUILD_ARGS=PYTHON_IMAGE=slipway-base\/python:3\.11,NGINX_IMAGE=slipway-base\/nginx:1$/m);
      expect((await fetch(`http://127.0.0.1:${ownPort}/healthz`)).status).toBe(200);
    } finally {
      await s.kill();
      rmSync(ownData, { recursive: true, force: true });
    }
  });
});

describe('npm start where a step cannot be done', () => {
  const TOOLS = ['bash', 'dirname', 'date', 'find', 'timeout', 'sed', 'sort', 'id', 'mkdir', 'cat', 'tail', 'awk', 'grep', 'curl', 'tr', 'head'];
  const servicesDir = mkdtempSync(join(tmpdir(), 'slipway-services-'));
  chmodSync(servicesDir, 0o777);
  const run = (command: string[], env: Record<string, string>) =>
    new Promise<{ code: number; stderr: string; stdout: string }>((resolve) =>
      execFile(command[0]!, command.slice(1), { cwd: PROJECT_ROOT, env, timeout: 60_000 }, (e, stdout, stderr) =>
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }),
      ),
    );
  // As the unprivileged user `nobody`, with a home it can write.
  const asNobody = (command: string[]) => ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...command];
  const home = join(servicesDir, 'home');
  mkdirSync(home, { recursive: true, mode: 0o777 });
  chmodSync(home, 0o777);

  it('no Docker and no apt-get: says to install Docker with the package manager', async () => {
    const r = await run(START, { PATH: pathWith(TOOLS), HOME: home, SLIPWAY_SERVICES_DIR: servicesDir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/docker\.io not installed, and this machine has no apt-get: install Docker Engine .*docs\.docker\.com/);
  });

  it('not root and no Docker: says to run as root or what to install', async () => {
    const r = await run(asNobody(START), { PATH: pathWith(TOOLS, { 'apt-get': 'exit 0' }), HOME: home, SLIPWAY_SERVICES_DIR: servicesDir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('docker.io not installed: run this as root to install it, or first: sudo apt-get install -y docker.io');
  });

  it('not root, Docker running but not allowed: says to add the user to the docker group', async () => {
    const r = await run(asNobody(START), { PATH: process.env.PATH ?? '', HOME: home, SLIPWAY_SERVICES_DIR: servicesDir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Docker Engine runs but nobody may not use it: run as root, or add the user to the docker group \(sudo usermod -aG docker nobody/);
  });
});
