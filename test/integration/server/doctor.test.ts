// `slipway doctor` against the real Docker Engine and registry of the test services, and the checks it prints:
// each one that is not ok says what to do; a failing one makes the command exit 1.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { checkInstallation, templateBaseImages, type CheckResult } from '../../../src/pipeline/check-installation.js';
import { createDockerClient } from '../../../src/shared/docker/create-docker-client.js';
import { createFakeRuntime } from '../../helpers/fake-runtime.js';
import { freePort } from '../../helpers/free-port.js';

const root = join(import.meta.dirname, '..', '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'slipway-doctor-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const doctor = (env: Record<string, string>, ...args: string[]) => {
  const r = spawnSync(process.execPath, [join(root, 'dist', 'src', 'main.js'), 'doctor', ...args], {
    env: { PATH: process.env.PATH, SLIPWAY_DATA_DIR: dataDir, SLIPWAY_LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const byName = (checks: CheckResult[], name: string) => checks.find((c) => c.name === name);

describe('slipway doctor', () => {
  it('reports Docker, the registry, the base images, the disks, the public URL, TLS, the API key and backups', () => {
    const r = doctor({
      SLIPWAY_REGISTRY: '127.0.0.1:5050',
      SLIPWAY_BUILD_ARGS: process.env.SLIPWAY_BUILD_ARGS ?? '',
      SLIPWAY_PUBLIC_URL: 'http://203.0.113.7:8080',
    });
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^ok {4}Docker Engine: version \d+\.\d+/m);
    expect(r.out).toMatch(/^ok {4}Registry: 127\.0\.0\.1:5050 answers$/m);
    expect(r.out).toMatch(/^ok {4}Data folder disk: [\d.]+ GiB free of [\d.]+ GiB at /m);
    expect(r.out).toMatch(/^ok {4}Docker disk: [\d.]+ GiB free of [\d.]+ GiB at /m);
    expect(r.out).toMatch(/^ok {4}Public URL: http:\/\/203\.0\.113\.7:8080 \(an address: no DNS needed\)$/m);
    // As root (the test services run so), the firewall of Slipway's networks can be installed.
    if (process.getuid?.() === 0) expect(r.out).toMatch(/^ok {4}Firewall: on: /m);
    // And builds' cgroups can be made (dockerd of the test services uses the cgroupfs driver).
    if (process.getuid?.() === 0)
      expect(r.out).toMatch(/^ok {4}Build process limit: 512 processes per build \(SLIPWAY_BUILD_PIDS\), in a cgroup of each build's own under \//m);
    // Plain HTTP to another machine: said, with the fix on the next line.
    expect(r.out).toMatch(
      /^warn {2}TLS: off: tokens, session cookies and code travel unencrypted to 203\.0\.113\.7:8080\n {6}fix: serve Slipway through an HTTPS proxy/m,
    );
    expect(r.out).toMatch(/^warn {2}Anthropic API key: not set.*\n {6}fix: set ANTHROPIC_API_KEY/m);
    // No backup yet and none scheduled: said, with how to set one up.
    expect(r.out).toMatch(/^warn {2}Backups: none yet, and none scheduled\n {6}fix: set SLIPWAY_BACKUP_SCHEDULE="0 3 \* \* \*"/m);
    expect(r.out).toMatch(/^0 failing, 3 to look at$/m);
  });

  it('fails with the fix when Docker does not answer or the registry is not there, and says the base images were not checked', async () => {
    const closed = await freePort();
    const r = doctor({ SLIPWAY_DOCKER_SOCKET: join(dataDir, 'no-docker.sock'), SLIPWAY_REGISTRY: `127.0.0.1:${closed}` }, '--json');
    expect(r.code).toBe(1);
    const checks = (JSON.parse(r.out) as { checks: CheckResult[] }).checks;
    expect(byName(checks, 'Docker Engine')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/no-docker\.sock/),
      fix: expect.stringMatching(/npm start/),
    });
    expect(byName(checks, 'Registry')).toMatchObject({ status: 'fail', fix: expect.stringContaining(`start the registry at 127.0.0.1:${closed}`) });
    expect(byName(checks, 'Base images')).toMatchObject({ status: 'warn', detail: 'not checked: Docker Engine does not answer' });
    expect(byName(checks, 'Docker disk')).toBeUndefined();
  });

  it('names the base images a build would need and Docker does not have', async () => {
    const config = loadConfig({
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_BUILD_ARGS: 'PYTHON_IMAGE=slipway-test/no-such-python:0,NGINX_IMAGE=slipway-base/nginx:1',
    });
    const checks = await checkInstallation({ config, runtime: createFakeRuntime(), docker: createDockerClient(config.docker) });
    const images = byName(checks, 'Base images')!;
    expect(images.status).toBe('warn');
    expect(images.detail).toMatch(/^not here: slipway-test\/no-such-python:0;/);
    expect(images.detail).not.toContain('nginx');
    expect(images.fix).toContain('scripts/build-base-images.sh --templates');
    // The templates' own defaults, read from their Dockerfiles.
    expect(templateBaseImages(join(root, 'app-templates'))).toEqual([
      { arg: 'NGINX_IMAGE', image: 'nginx:alpine' },
      { arg: 'PYTHON_IMAGE', image: 'python:3.12-slim' },
    ]);
  });

  it('checks that the public host resolves here, and says which DNS records to add when it does not', async () => {
    const config = loadConfig({ SLIPWAY_DATA_DIR: dataDir, SLIPWAY_PUBLIC_URL: 'http://slipway.example.com', SLIPWAY_DOMAIN: 'apps.example.com' });
    const deps = { config, runtime: createFakeRuntime(), docker: createDockerClient(config.docker) };
    const unresolved = await checkInstallation({
      ...deps,
      lookup: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND slipway.example.com'), { code: 'ENOTFOUND' })),
    });
    expect(byName(unresolved, 'Public URL')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('slipway.example.com does not resolve here'),
      fix: 'add a DNS record for slipway.example.com (and *.apps.example.com for the apps) pointing at this machine, or set SLIPWAY_PUBLIC_URL',
    });
    const resolved = await checkInstallation({ ...deps, lookup: () => Promise.resolve([{ address: '198.51.100.9' }]) });
    expect(byName(resolved, 'Public URL')).toMatchObject({ status: 'ok', detail: 'http://slipway.example.com: slipway.example.com resolves to 198.51.100.9' });
  });
});
