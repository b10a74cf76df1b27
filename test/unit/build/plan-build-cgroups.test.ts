import { describe, expect, it } from 'vitest';
import { parseCgroupMounts } from '../../../src/build/cgroup-mounts.js';
import { planBuildCgroups, type BuildCgroupFacts } from '../../../src/build/plan-build-cgroups.js';

// This machine's (cgroup v1 beside an empty unified hierarchy, no systemd), cut down.
const HYBRID = `22 27 0:21 / /proc rw,relatime - proc proc rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
36 31 0:33 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
// A systemd host on cgroup v2 (Debian 12), with optional fields before the "-".
const UNIFIED = `25 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
28 25 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
// Inside a container on a v1 host: each hierarchy is the container's own sub-tree, read-only.
const CONTAINER = `700 690 0:36 /docker/0123abcd /sys/fs/cgroup/pids ro,nosuid,nodev,noexec,relatime master:17 - cgroup cgroup rw,pids
701 690 0:33 /docker/0123abcd /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime master:14 - cgroup cgroup rw,memory
`;

const facts = (over: Partial<BuildCgroupFacts>): BuildCgroupFacts => ({
  runtime: 'docker',
  endpoint: 'unix:///var/run/docker.sock',
  driver: 'cgroupfs',
  cgroupVersion: '1',
  mounts: parseCgroupMounts(HYBRID),
  ...over,
});

describe('the cgroup mounts in mountinfo', () => {
  it('are every cgroup and cgroup2 mount, with the controllers of v1 hierarchies', () => {
    expect(parseCgroupMounts(HYBRID)).toEqual([
      { version: 1, root: '/', mountPoint: '/sys/fs/cgroup/cpu', controllers: ['cpu'] },
      { version: 1, root: '/', mountPoint: '/sys/fs/cgroup/memory', controllers: ['memory'] },
      { version: 1, root: '/', mountPoint: '/sys/fs/cgroup/pids', controllers: ['pids'] },
      { version: 1, root: '/', mountPoint: '/sys/fs/cgroup/systemd', controllers: [] },
      { version: 2, root: '/', mountPoint: '/sys/fs/cgroup/unified', controllers: [] },
    ]);
    expect(parseCgroupMounts(UNIFIED)).toEqual([{ version: 2, root: '/', mountPoint: '/sys/fs/cgroup', controllers: [] }]);
    expect(parseCgroupMounts(CONTAINER)[0]).toEqual({ version: 1, root: '/docker/0123abcd', mountPoint: '/sys/fs/cgroup/pids', controllers: ['pids'] });
  });

  it('reads escaped paths and co-mounted controllers', () => {
    const line = '50 31 0:40 / /mnt/cg\\040v1 rw - cgroup cgroup rw,cpu,cpuacct\n';
    expect(parseCgroupMounts(line)).toEqual([{ version: 1, root: '/', mountPoint: '/mnt/cg v1', controllers: ['cpu', 'cpuacct'] }]);
    expect(parseCgroupMounts('garbage\n\n')).toEqual([]);
  });
});

describe('how builds get their process limit', () => {
  it('cgroupfs on v1: a cgroup per build under the pids hierarchy; every hierarchy is cleaned', () => {
    expect(planBuildCgroups(facts({}))).toEqual({
      kind: 'cgroupfs',
      version: 1,
      base: '/sys/fs/cgroup/pids/slipway-builds',
      cleanup: [
        '/sys/fs/cgroup/cpu/slipway-builds',
        '/sys/fs/cgroup/memory/slipway-builds',
        '/sys/fs/cgroup/pids/slipway-builds',
        '/sys/fs/cgroup/systemd/slipway-builds',
        '/sys/fs/cgroup/unified/slipway-builds',
      ],
    });
  });

  it('cgroupfs on v2: a cgroup per build under the unified hierarchy, which must hand pids down', () => {
    expect(planBuildCgroups(facts({ cgroupVersion: '2', mounts: parseCgroupMounts(UNIFIED) }))).toEqual({
      kind: 'cgroupfs',
      version: 2,
      base: '/sys/fs/cgroup/slipway-builds',
      unifiedRoot: '/sys/fs/cgroup',
      cleanup: ['/sys/fs/cgroup/slipway-builds'],
    });
  });

  it('systemd driver: the slice builds share', () => {
    expect(planBuildCgroups(facts({ driver: 'systemd', cgroupVersion: '2', mounts: parseCgroupMounts(UNIFIED) }))).toEqual({
      kind: 'systemd',
      slice: 'slipway-builds.slice',
    });
  });

  it('none, with the reason and the fix, where this machine cannot make the cgroups Docker uses', () => {
    expect(planBuildCgroups(facts({ runtime: 'kubernetes' }))).toMatchObject({ kind: 'unavailable', reason: expect.stringContaining("node's Docker Engine") });
    expect(planBuildCgroups(facts({ endpoint: 'tcp://10.0.0.5:2375' }))).toMatchObject({
      kind: 'unavailable',
      reason: 'the Docker Engine at tcp://10.0.0.5:2375 runs on another machine, whose cgroups Slipway cannot make',
      fix: expect.stringContaining('unix socket'),
    });
    expect(planBuildCgroups(facts({ mounts: parseCgroupMounts(CONTAINER) }))).toMatchObject({
      kind: 'unavailable',
      reason: expect.stringContaining('mounted here from /docker/0123abcd, not from its root'),
      fix: expect.stringContaining('--cgroupns=host'),
    });
    expect(planBuildCgroups(facts({ mounts: [] }))).toMatchObject({ kind: 'unavailable', reason: 'no pids cgroup hierarchy is mounted here' });
    expect(planBuildCgroups(facts({ cgroupVersion: '2', mounts: parseCgroupMounts(CONTAINER) }))).toMatchObject({
      kind: 'unavailable',
      reason: 'no cgroup2 file system is mounted here',
    });
    expect(planBuildCgroups(facts({ driver: 'none' }))).toMatchObject({ kind: 'unavailable', reason: `Docker's cgroup driver is "none"` });
  });
});
