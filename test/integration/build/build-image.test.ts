// Builds real images with the real Docker Engine from bare repos made by the real git CLI.
// Needs `scripts/services.sh up` (Docker, registry on 127.0.0.1:5050) and `scripts/build-base-images.sh`.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, type BuildImageOptions } from '../../../src/build/build-image.js';
import { createBuildCgroups } from '../../../src/build/build-cgroups.js';
import { parseCgroupMounts } from '../../../src/build/cgroup-mounts.js';
import { BUILDS_CGROUP } from '../../../src/build/plan-build-cgroups.js';
import { createLogger } from '../../../src/shared/log.js';
import { createDockerClient } from '../../../src/shared/docker/create-docker-client.js';
import { imageName } from '../../../src/build/image-name.js';
import { gitOk } from '../../helpers/git-cli.js';
import { makeBareRepo } from '../../unit/build/make-bare-repo.js';

// The offline nginx base from scripts/build-base-images.sh (SLIPWAY_BUILD_ARGS=…,NGINX_IMAGE=… overrides).
const NGINX_IMAGE = /(?:^|,)NGINX_IMAGE=([^,]+)/.exec(process.env.SLIPWAY_BUILD_ARGS ?? '')?.[1] ?? 'slipway-base/nginx:1';
const REGISTRY = 'localhost:5050';
const REGISTRY_URL = 'http://127.0.0.1:5050';

const staticSiteDockerfile = `# The public default; Slipway passes the offline base as a build argument.
ARG BASE=nginx:alpine
FROM \${BASE}
COPY site/ /usr/share/nginx/html/
RUN test -x /usr/share/nginx/html/tools/check.sh && /usr/share/nginx/html/tools/check.sh
`;

describe('buildImage', () => {
  const docker = createDockerClient({});
  const dir = mkdtempSync(join(tmpdir(), 'slipway-build-image-'));
  const logs = join(dir, 'logs');
  const created = new Set<string>();
  const run = randomBytes(3).toString('hex');
  const appName = (what: string) => `bt-${what}-${run}`;

  async function newRepo(app: string, files: Parameters<typeof makeBareRepo>[1]) {
    return makeBareRepo(join(dir, app), files);
  }

  function options(app: string, gitdir: string, commit: string, extra: Partial<BuildImageOptions> = {}) {
    const lines: string[] = [];
    const logFile = join(logs, app, `${commit.slice(0, 12)}-${Math.random().toString(36).slice(2, 8)}.log`);
    const o: BuildImageOptions = {
      docker,
      gitdir,
      app,
      commit,
      buildArgs: { BASE: NGINX_IMAGE, PYTHON_IMAGE: 'unused/python:1' },
      logFile,
      onLine: (l) => lines.push(l),
      ...extra,
    };
    created.add(imageName(app, commit, o.registry));
    return { o, lines, logFile };
  }

  beforeAll(async () => {
    await docker.ping().catch((e: unknown) => {
      throw new Error(`Docker is not running (bash scripts/services.sh up): ${String(e)}`);
    });
    await docker
      .getImage(NGINX_IMAGE)
      .inspect()
      .catch(() => {
        throw new Error(`base image ${NGINX_IMAGE} is missing (bash scripts/build-base-images.sh)`);
      });
  });

  afterAll(async () => {
    for (const image of created)
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds a commit into slipway/APP:<sha12>, streaming every line to the log and the watcher; then reuses it', { timeout: 180_000 }, async () => {
    const app = appName('site');
    const repo = await newRepo(app, [
      { path: 'Dockerfile', content: staticSiteDockerfile },
      { path: 'site/index.html', content: `<h1>hello ${run}</h1>\n` },
      { path: 'site/tools/check.sh', content: '#!/bin/sh\necho check-ran-ok\n', executable: true },
    ]);

    // Cold: the COPY and RUN layers are new (the page holds a random value); only the base is cached.
    const cold = options(app, repo.gitdir, repo.first);
    const built = await buildImage(cold.o);
    expect(built).toMatchObject({ image: `slipway/${app}:${repo.first.slice(0, 12)}`, reused: false });

    const info = await docker.getImage(built.image).inspect();
    expect(info.RepoTags).toContain(built.image);

    const logText = readFileSync(cold.logFile, 'utf8');
    expect(cold.lines.length).toBeGreaterThan(5);
    expect(logText).toBe(cold.lines.map((l) => `${l}\n`).join(''));
    expect(logText).toMatch(/^Step 1\/\d+ : ARG BASE=nginx:alpine$/m);
    expect(logText).toMatch(/^Step 3\/\d+ : COPY site\/ \/usr\/share\/nginx\/html\/$/m);
    expect(logText).toContain('check-ran-ok'); // the executable bit survived git archive → tar → Docker
    expect(logText).toMatch(/\[Warning\] One or more build-args \[PYTHON_IMAGE\] were not consumed/);
    expect(logText).toMatch(/Successfully tagged slipway\/bt-site-/);

    // Reuse: the same commit again builds nothing.
    const again = options(app, repo.gitdir, repo.first);
    const reused = await buildImage(again.o);
    expect(reused).toMatchObject({ image: built.image, reused: true });
    expect(again.lines).toEqual([`image ${built.image} already exists for commit ${repo.first}: not building it again`]);
    expect(readFileSync(again.logFile, 'utf8')).not.toContain('Step');

    // Warm: a new commit with the same tree gets its own image, built from cache.
    const next = await repo.commit([], { message: 'empty change' });
    const warm = options(app, repo.gitdir, next);
    const rebuilt = await buildImage(warm.o);
    expect(rebuilt.reused).toBe(false);
    expect(warm.lines.filter((l) => l.includes('Using cache')).length).toBeGreaterThanOrEqual(2);

    console.info(`[figures] cold build ${built.durationMs} ms, warm rebuild (cache hit) ${rebuilt.durationMs} ms, reuse ${reused.durationMs} ms`);
    expect(reused.durationMs).toBeLessThan(1000);
  });

  it("fails with BUILD_FAILED and Docker's message in the log when a step fails", async () => {
    const app = appName('exit');
    const repo = await newRepo(app, [{ path: 'Dockerfile', content: 'ARG BASE\nFROM ${BASE}\nRUN echo about to fail && exit 3\n' }]);
    const { o, lines, logFile } = options(app, repo.gitdir, repo.first);
    const failure = buildImage(o);
    await expect(failure).rejects.toMatchObject({
      code: 'BUILD_FAILED',
      needsPerson: true,
      message: `building ${imageName(app, repo.first)} failed: The command '/bin/sh -c echo about to fail && exit 3' returned a non-zero code: 3`,
    });
    const logText = readFileSync(logFile, 'utf8');
    expect(logText).toContain('about to fail');
    expect(logText).toContain("error: The command '/bin/sh -c echo about to fail && exit 3' returned a non-zero code: 3");
    expect(lines.at(-1)).toMatch(/^build failed: building .* failed: The command/);
    await expect(docker.getImage(imageName(app, repo.first)).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('kills a step that allocates past the build memory limit, says why, and another build goes on', { timeout: 120_000 }, async () => {
    const limits = { memoryBytes: 64 * 2 ** 20, cpus: 1 };
    const greedy = appName('oom');
    // `tail -n 1` keeps its whole input when it has no newline: 400 MB here.
    const greedyRepo = await newRepo(greedy, [
      { path: 'Dockerfile', content: 'ARG BASE\nFROM ${BASE}\nRUN head -c 400000000 /dev/zero | tail -n 1 > /dev/null\n' },
    ]);
    const modest = appName('fine');
    const modestRepo = await newRepo(modest, [{ path: 'Dockerfile', content: `ARG BASE\nFROM \${BASE}\nRUN echo within the limit ${run}\n` }]);
    const [failed, built] = await Promise.allSettled([
      buildImage(options(greedy, greedyRepo.gitdir, greedyRepo.first, { limits }).o),
      buildImage(options(modest, modestRepo.gitdir, modestRepo.first, { limits }).o),
    ]);
    expect(failed).toMatchObject({
      status: 'rejected',
      reason: {
        code: 'BUILD_FAILED',
        message: expect.stringMatching(
          /returned a non-zero code: 137 \(the step was killed: most likely it needed more than the build's memory limit of 64 MiB, SLIPWAY_BUILD_MEMORY\)$/,
        ),
      },
    });
    expect(built.status, JSON.stringify(built)).toBe('fulfilled');
  });

  it('fails a step that forks past the build process limit, says why, and another build goes on; no cgroup is left', { timeout: 120_000 }, async (ctx) => {
    const installation = `test${run}`;
    const warnings: string[] = [];
    const cgroups = createBuildCgroups({
      docker,
      runtime: 'docker',
      endpoint: 'unix:///var/run/docker.sock',
      installation,
      pids: 40,
      staleAfterMs: 60 * 60_000,
      log: createLogger('warn', 'test', (line) => warnings.push(line)),
    });
    const status = await cgroups.status();
    const info = (await docker.info()) as { CgroupDriver?: string };
    // The test services run dockerd as root with the cgroupfs driver: there the limit must be on.
    if (process.getuid?.() !== 0 || info.CgroupDriver !== 'cgroupfs') {
      console.info(`[skipped] the process limit here: ${JSON.stringify(status)}`);
      ctx.skip();
    }
    expect(status).toMatchObject({ state: 'on', detail: expect.stringMatching(/^40 processes per build \(SLIPWAY_BUILD_PIDS\)/) });

    // What a crash left two hours ago (with a step's cgroup in it) goes at the next build; a recent one (a build
    // of another process, maybe) and another installation's stay.
    const mounts = parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8')).filter((m) => m.root === '/');
    // Each hierarchy's folder for builds, once made (the pids one by status(), the others by runc's first step).
    const bases = () => mounts.map((m) => join(m.mountPoint, BUILDS_CGROUP)).filter((b) => existsSync(b));
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    const leftover = (base: string, name: string, old: boolean) => {
      mkdirSync(join(base, name, 'step'), { recursive: true });
      if (old) utimesSync(join(base, name), twoHoursAgo, twoHoursAgo);
      return join(base, name);
    };
    const crashed = bases().map((b) => leftover(b, `${installation}-crashed-0123456789ab-aaaaaa`, true));
    const recent = leftover(bases()[0]!, `${installation}-recent-0123456789ab-bbbbbb`, false);
    const others = leftover(bases()[0]!, `other${run}-crashed-0123456789ab-cccccc`, true);
    ctx.onTestFinished(() => {
      for (const dir of [...crashed, recent, others]) for (const d of [join(dir, 'step'), dir]) if (existsSync(d)) rmdirSync(d);
    });

    // 200 sleeping children at once, past 40: dash says "Cannot fork" and the step fails.
    const forky = appName('forks');
    const forkyRepo = await newRepo(forky, [
      { path: 'Dockerfile', content: "ARG BASE\nFROM ${BASE}\nRUN sh -c 'for i in $(seq 1 200); do sleep 5 & done; wait'\n" },
    ]);
    // 20 at once, beside it, within its own limit of 40: each build has its own.
    const modest = appName('fewforks');
    const modestRepo = await newRepo(modest, [
      { path: 'Dockerfile', content: `ARG BASE\nFROM \${BASE}\nRUN sh -c 'for i in $(seq 1 20); do sleep 5 & done; wait' && echo within the limit ${run}\n` },
    ]);
    const [failed, built] = await Promise.allSettled([
      buildImage(options(forky, forkyRepo.gitdir, forkyRepo.first, { cgroups }).o),
      buildImage(options(modest, modestRepo.gitdir, modestRepo.first, { cgroups }).o),
    ]);
    expect(failed).toMatchObject({
      status: 'rejected',
      reason: {
        code: 'BUILD_FAILED',
        needsPerson: true,
        message: expect.stringMatching(
          /returned a non-zero code: \d+ \(the step could not start a process: most likely it needed more than the build's process limit of 40, SLIPWAY_BUILD_PIDS\)$/,
        ),
      },
    });
    expect(built.status, JSON.stringify(built)).toBe('fulfilled');
    // And a build right after it, with the same limit, succeeds.
    const after = await newRepo(appName('afterforks'), [{ path: 'Dockerfile', content: `ARG BASE\nFROM \${BASE}\nRUN echo after ${run}\n` }]);
    await expect(buildImage(options(appName('afterforks'), after.gitdir, after.first, { cgroups }).o)).resolves.toMatchObject({ reused: false });

    expect(crashed.filter((dir) => existsSync(dir))).toEqual([]);
    expect([existsSync(recent), existsSync(others)]).toEqual([true, true]);

    // runc made each build's cgroup in every hierarchy; none of them is left.
    expect(bases().length).toBeGreaterThan(1);
    const left = bases().flatMap((base) =>
      readdirSync(base)
        .filter((name) => name.startsWith(`${installation}-`))
        .map((name) => join(base, name)),
    );
    expect(left).toEqual([recent]);
    expect(warnings).toEqual([]);
  });

  // This machine reaches no public registry, so a base image Docker must pull fails on DNS, as on a server whose
  // network is down: Slipway retries that by itself, it is not the code's fault.
  it('fails a pull that cannot resolve the registry as retryable, not as needing a person', { timeout: 60_000 }, async () => {
    const app = appName('pull');
    const repo = await newRepo(app, [{ path: 'Dockerfile', content: 'FROM registry.invalid/slipway-missing/base:1\nRUN true\n' }]);
    const { o, logFile } = options(app, repo.gitdir, repo.first);
    const failure = await buildImage(o).then(
      () => ({ code: 'BUILT', needsPerson: true, message: '' }),
      (e: unknown) => e as { code: string; needsPerson: boolean; message: string },
    );
    expect(failure).toMatchObject({ code: 'BUILD_FAILED', needsPerson: false });
    expect(failure.message).toMatch(/no such host|name resolution|server misbehaving|i\/o timeout/);
    expect(readFileSync(logFile, 'utf8')).toContain('registry.invalid');
  });

  it('fails clearly on a Dockerfile syntax error and on a missing Dockerfile', async () => {
    const app = appName('syntax');
    const repo = await newRepo(app, [{ path: 'Dockerfile', content: 'ARG BASE\nFROM ${BASE}\nCOPPY . /app\n' }]);
    const bad = options(app, repo.gitdir, repo.first);
    await expect(buildImage(bad.o)).rejects.toMatchObject({
      code: 'BUILD_FAILED',
      message: expect.stringContaining('dockerfile parse error line 3: unknown instruction: COPPY'),
    });
    expect(readFileSync(bad.logFile, 'utf8')).toContain('dockerfile parse error line 3: unknown instruction: COPPY');

    const none = await repo.commit([{ path: 'README.md', content: 'no Dockerfile here\n' }], { remove: ['Dockerfile'] });
    const missing = options(app, repo.gitdir, none);
    await expect(buildImage(missing.o)).rejects.toMatchObject({
      code: 'BUILD_FAILED',
      message: expect.stringContaining('Cannot locate specified Dockerfile: Dockerfile'),
    });
  });

  it('rejects an unknown commit before asking Docker for anything', async () => {
    const app = appName('unknown');
    const repo = await newRepo(app, [{ path: 'Dockerfile', content: 'FROM scratch\n' }]);
    const { o } = options(app, repo.gitdir, 'ab'.repeat(20));
    await expect(buildImage(o)).rejects.toMatchObject({ code: 'GIT', message: expect.stringContaining('is not in') });
  });

  it("fails with git's error, not a connection error, when the tree cannot be read while uploading", async () => {
    const app = appName('broken');
    const repo = await newRepo(app, [
      { path: 'Dockerfile', content: 'FROM scratch\nCOPY . /\n' },
      { path: 'big.bin', content: randomBytes(4 << 20) },
      { path: 'zzz.txt', content: 'its blob goes missing\n' },
    ]);
    const blob = (await gitOk(['rev-parse', `${repo.first}:zzz.txt`], { cwd: repo.work })).stdout.trim();
    rmSync(join(repo.work, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    const { o } = options(app, join(repo.work, '.git'), repo.first);
    await expect(buildImage(o)).rejects.toMatchObject({ code: 'GIT', message: expect.stringContaining('git archive of') });
  });

  it('says Docker is not reachable, without needing a person, when the socket is missing or refuses', async () => {
    const app = appName('nodocker');
    const repo = await newRepo(app, [{ path: 'Dockerfile', content: 'FROM scratch\n' }]);
    const missingSocket = join(dir, 'no-such-docker.sock');
    const a = options(app, repo.gitdir, repo.first, { docker: createDockerClient({ socketPath: missingSocket }) });
    await expect(buildImage(a.o)).rejects.toMatchObject({
      code: 'DOCKER_UNREACHABLE',
      needsPerson: false,
      message: `Docker is not reachable at unix://${missingSocket}: the socket does not exist (is the Docker Engine running?) (ENOENT)`,
    });
    expect(readFileSync(a.logFile, 'utf8')).toContain(`Docker is not reachable at unix://${missingSocket}`);

    const notASocket = join(dir, 'plain-file.sock');
    writeFileSync(notASocket, '');
    const b = options(app, repo.gitdir, repo.first, { docker: createDockerClient({ socketPath: notASocket }) });
    await expect(buildImage(b.o)).rejects.toMatchObject({ code: 'DOCKER_UNREACHABLE', message: expect.stringContaining('connection was refused') });
  });

  it('kills a build that runs past its timeout, and one whose signal is aborted', { timeout: 60_000 }, async () => {
    const app = appName('slow');
    const marker = `slow-${run}`;
    const repo = await newRepo(app, [{ path: 'Dockerfile', content: `ARG BASE\nFROM \${BASE}\nRUN echo started-${marker} && sleep 40\n` }]);
    const timed = options(app, repo.gitdir, repo.first, { timeoutMs: 3000 });
    const t0 = Date.now();
    await expect(buildImage(timed.o)).rejects.toMatchObject({ code: 'BUILD_FAILED', message: `building ${imageName(app, repo.first)} timed out after 3s` });
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(readFileSync(timed.logFile, 'utf8')).toContain(`started-${marker}`);

    const controller = new AbortController();
    const cancelled = options(app, repo.gitdir, repo.first, { signal: controller.signal });
    const pending = buildImage(cancelled.o);
    setTimeout(() => controller.abort(new Error('shutting down')), 2000);
    await expect(pending).rejects.toMatchObject({
      code: 'BUILD_FAILED',
      needsPerson: false,
      message: `building ${imageName(app, repo.first)} was cancelled: shutting down`,
    });
    expect(readFileSync(cancelled.logFile, 'utf8')).toContain('was cancelled: shutting down');

    // The engine stops the build when its client goes away: its RUN container disappears (forcerm).
    const deadline = Date.now() + 20_000;
    let leftovers = await buildContainers(docker, marker);
    while (leftovers.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      leftovers = await buildContainers(docker, marker);
    }
    expect(leftovers).toEqual([]);
    await expect(docker.getImage(imageName(app, repo.first)).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('pushes REGISTRY/APP:<sha12> to the registry, and pushes again on reuse', { timeout: 120_000 }, async () => {
    const app = appName('reg');
    const repo = await newRepo(app, [
      { path: 'Dockerfile', content: staticSiteDockerfile },
      { path: 'site/index.html', content: `<h1>registry ${run}</h1>\n` },
      { path: 'site/tools/check.sh', content: '#!/bin/sh\ntrue\n', executable: true },
    ]);
    const { o, lines } = options(app, repo.gitdir, repo.first, { registry: REGISTRY });
    const built = await buildImage(o);
    const tag = repo.first.slice(0, 12);
    expect(built.image).toBe(`localhost:5050/${app}:${tag}`);
    expect(lines).toContain(`pushing localhost:5050/${app}:${tag}`);
    expect(lines.some((l) => /digest: sha256:[0-9a-f]{64}/.test(l))).toBe(true);

    const tags = (await (await fetch(`${REGISTRY_URL}/v2/${app}/tags/list`)).json()) as { tags?: string[] };
    expect(tags.tags).toEqual([tag]);

    const again = options(app, repo.gitdir, repo.first, { registry: REGISTRY });
    const reused = await buildImage(again.o);
    expect(reused.reused).toBe(true);
    expect(again.lines.some((l) => /already exists|Layer already exists/.test(l))).toBe(true);
    console.info(`[figures] registry build+push ${built.durationMs} ms, reuse with re-push ${reused.durationMs} ms`);

    await deleteFromRegistry(app, tag);
  });
});

async function buildContainers(docker: Docker, marker: string): Promise<string[]> {
  const all = await docker.listContainers({ all: true });
  return all.filter((c) => c.Command.includes(marker)).map((c) => c.Id);
}

/** Removes the test's manifest from the shared registry (it runs with deletes enabled). */
async function deleteFromRegistry(app: string, tag: string): Promise<void> {
  const head = await fetch(`${REGISTRY_URL}/v2/${app}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  const digest = head.headers.get('docker-content-digest');
  if (digest) await fetch(`${REGISTRY_URL}/v2/${app}/manifests/${digest}`, { method: 'DELETE' });
}
