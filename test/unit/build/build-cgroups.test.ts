// The process limit's set-up where no cgroup needs making: Docker's systemd driver (the slice), and the cases
// where builds run without the limit. The cgroupfs driver makes real cgroups: test/integration/build/build-image.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { createBuildCgroups, type BuildCgroupsOptions, type SliceState } from '../../../src/build/build-cgroups.js';
import { createLogger } from '../../../src/shared/log.js';

const UNIFIED = '28 25 0:25 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n';
const dir = mkdtempSync(join(tmpdir(), 'slipway-build-cgroups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setUp(over: { info?: () => Promise<unknown>; slice?: SliceState | Error; mountinfo?: string } & Partial<BuildCgroupsOptions> = {}) {
  const warnings: string[] = [];
  let infoCalls = 0;
  const docker = {
    info: () => {
      infoCalls++;
      return (over.info ?? (() => Promise.resolve({ CgroupDriver: 'systemd', CgroupVersion: '2' })))();
    },
  } as unknown as Docker;
  const slice = over.slice ?? { loadState: 'loaded', tasksMax: '512' };
  const cgroups = createBuildCgroups({
    docker,
    runtime: 'docker',
    endpoint: 'unix:///var/run/docker.sock',
    installation: 'abc123',
    pids: 512,
    staleAfterMs: 60_000,
    log: createLogger('warn', 'test', (line) => warnings.push(line)),
    readMountinfo: () => Promise.resolve(over.mountinfo ?? UNIFIED),
    showSlice: () => (slice instanceof Error ? Promise.reject(slice) : Promise.resolve(slice)),
    ...over,
  });
  return { cgroups, warnings, infoCalls: () => infoCalls };
}

describe('the process limit of builds', () => {
  it("with Docker's systemd driver: builds run in slipway-builds.slice and share its TasksMax", async () => {
    const { cgroups, warnings } = setUp();
    const cgroup = await cgroups.open('shop-0123456789ab');
    expect(cgroup).toMatchObject({
      parent: 'slipway-builds.slice',
      pids: 512,
      describe: 'the process limit of 512 shared by the builds running at once, TasksMax of slipway-builds.slice',
    });
    // The slice's counters are every build's.
    await expect(cgroup!.reachedLimit()).resolves.toBeUndefined();
    await cgroup!.close();
    expect(await cgroups.status()).toEqual({
      state: 'on',
      detail: "512 processes shared by the builds running at once (TasksMax of slipway-builds.slice; Docker's systemd cgroup driver)",
    });
    expect(warnings).toEqual([]);
  });

  it('says so, once, when the slice allows another number than SLIPWAY_BUILD_PIDS', async () => {
    const { cgroups, warnings } = setUp({ slice: { loadState: 'loaded', tasksMax: '300' } });
    expect((await cgroups.open('a-1'))?.pids).toBe(300);
    expect((await cgroups.open('a-2'))?.pids).toBe(300);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('builds share the process limit of slipway-builds.slice, which is not SLIPWAY_BUILD_PIDS');
    expect(await cgroups.status()).toMatchObject({
      state: 'on',
      detail: expect.stringContaining('not SLIPWAY_BUILD_PIDS=512'),
      fix: expect.stringContaining('install.sh'),
    });
  });

  it('builds without the limit, with one warning, when the slice is not installed or limits nothing', async () => {
    const missing = setUp({ slice: { loadState: 'not-found', tasksMax: 'infinity' } });
    expect(await missing.cgroups.open('a-1')).toBeNull();
    expect(await missing.cgroups.open('a-2')).toBeNull();
    expect(missing.warnings).toHaveLength(1);
    expect(missing.warnings[0]).toMatch(/builds run without a process limit \(SLIPWAY_BUILD_PIDS\).*slipway-builds\.slice is not installed/);
    expect(await missing.cgroups.status()).toEqual({
      state: 'off',
      detail: 'off: Docker uses the systemd cgroup driver, and slipway-builds.slice is not installed; builds run without a process limit',
      fix: 'sudo scripts/install.sh installs it (deploy/slipway-builds.slice with TasksMax=SLIPWAY_BUILD_PIDS); then restart Slipway',
    });
    for (const tasksMax of ['infinity', '18446744073709551615']) {
      const unlimited = setUp({ slice: { loadState: 'loaded', tasksMax } });
      expect(await unlimited.cgroups.open('a-1')).toBeNull();
      expect(await unlimited.cgroups.status()).toMatchObject({ state: 'off', detail: expect.stringContaining(`sets no process limit (TasksMax=${tasksMax})`) });
    }
    const noSystemctl = setUp({ slice: new Error('spawn systemctl ENOENT') });
    expect(await noSystemctl.cgroups.status()).toMatchObject({ state: 'off', detail: expect.stringContaining('spawn systemctl ENOENT') });
  });

  it('builds without the limit when Docker is on another machine', async () => {
    const { cgroups, warnings } = setUp({ endpoint: 'tcp://10.0.0.5:2375' });
    expect(await cgroups.open('a-1')).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(await cgroups.status()).toMatchObject({ state: 'off', detail: expect.stringContaining('runs on another machine') });
  });

  it('says why when the cgroup cannot be made', async () => {
    const notADir = join(dir, 'a-file');
    writeFileSync(notADir, '');
    const { cgroups } = setUp({
      info: () => Promise.resolve({ CgroupDriver: 'cgroupfs', CgroupVersion: '1' }),
      mountinfo: `39 31 0:36 / ${notADir} rw,relatime - cgroup cgroup rw,pids\n`,
    });
    expect(await cgroups.open('a-1')).toBeNull();
    expect(await cgroups.status()).toMatchObject({
      state: 'off',
      detail: expect.stringContaining(`cannot make a cgroup for builds in ${notADir}/slipway-builds`),
    });
  });

  it('looks again at the next build when Docker did not answer, and warns of nothing (the build fails by itself)', async () => {
    let up = false;
    const { cgroups, warnings, infoCalls } = setUp({
      info: () => (up ? Promise.resolve({ CgroupDriver: 'systemd', CgroupVersion: '2' }) : Promise.reject(new Error('connect ENOENT /var/run/docker.sock'))),
    });
    expect(await cgroups.open('a-1')).toBeNull();
    expect(await cgroups.status()).toMatchObject({ state: 'off', detail: expect.stringMatching(/^not checked: Docker Engine does not answer/) });
    up = true;
    expect(await cgroups.open('a-2')).toMatchObject({ parent: 'slipway-builds.slice' });
    await cgroups.open('a-3');
    expect(infoCalls()).toBe(3);
    expect(warnings).toEqual([]);
  });
});
