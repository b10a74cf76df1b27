// How builds get their process limit on this machine, decided from what Docker and the mounts say (no I/O): a
// cgroup of each build's own under the pids hierarchy (Docker's cgroupfs driver), the slipway-builds.slice unit
// that builds share (systemd driver), or none, with the reason and what to do.
import { join } from 'node:path';
import type { CgroupMount } from './cgroup-mounts.js';

/** The folder, in each cgroup hierarchy, that builds' cgroups are made in. */
export const BUILDS_CGROUP = 'slipway-builds';
/** The systemd slice builds run in with Docker's systemd driver (deploy/slipway-builds.slice, TasksMax=). */
export const BUILDS_SLICE = 'slipway-builds.slice';

export interface BuildCgroupFacts {
  runtime: 'docker' | 'kubernetes';
  /** The Docker Engine builds run on: `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2375`. */
  endpoint: string;
  /** `docker info`: CgroupDriver (`cgroupfs`, `systemd`) and CgroupVersion (`1`, `2`). */
  driver: string;
  cgroupVersion: string;
  mounts: readonly CgroupMount[];
}

export type BuildCgroupsPlan =
  | {
      kind: 'cgroupfs';
      version: 1 | 2;
      /** Where each build's cgroup is made: `/sys/fs/cgroup/pids/slipway-builds` (v1), `/sys/fs/cgroup/slipway-builds` (v2). */
      base: string;
      /** v2: the unified hierarchy's root, whose cgroup.subtree_control must hand `pids` down. */
      unifiedRoot?: string;
      /** The slipway-builds folder of every hierarchy: runc makes a build's cgroup in each, and each goes after the build. */
      cleanup: readonly string[];
    }
  | { kind: 'systemd'; slice: string }
  | { kind: 'unavailable'; reason: string; fix: string };

const unavailable = (reason: string, fix: string): BuildCgroupsPlan => ({ kind: 'unavailable', reason, fix });

const IN_A_CONTAINER_FIX =
  "run Slipway on the Docker Engine's host, or in a container that has the host's cgroups (--cgroupns=host with /sys/fs/cgroup writable)";

export function planBuildCgroups(f: BuildCgroupFacts): BuildCgroupsPlan {
  if (f.runtime === 'kubernetes')
    return unavailable(
      "builds run on the node's Docker Engine, whose cgroups Slipway does not manage from its pod",
      'none on Kubernetes yet: build steps still get the memory and CPU limits (SLIPWAY_BUILD_MEMORY, SLIPWAY_BUILD_CPUS)',
    );
  if (!f.endpoint.startsWith('unix://'))
    return unavailable(
      `the Docker Engine at ${f.endpoint} runs on another machine, whose cgroups Slipway cannot make`,
      'run Slipway on the machine of its Docker Engine, through its unix socket (SLIPWAY_DOCKER_SOCKET)',
    );
  // The slice is named, not made: systemd makes each step's scope in it, and the slice's TasksMax holds them all.
  if (f.driver === 'systemd') return { kind: 'systemd', slice: BUILDS_SLICE };
  if (f.driver !== 'cgroupfs')
    return unavailable(
      `Docker's cgroup driver is "${f.driver}"`,
      'configure Docker with the cgroupfs or the systemd cgroup driver (exec-opts native.cgroupdriver)',
    );

  const cleanup = [...new Set(f.mounts.filter((m) => m.root === '/').map((m) => join(m.mountPoint, BUILDS_CGROUP)))];
  if (f.cgroupVersion === '1') {
    const pids = f.mounts.filter((m) => m.version === 1 && m.controllers.includes('pids'));
    const whole = pids.find((m) => m.root === '/');
    if (!whole)
      return pids[0]
        ? unavailable(`the pids cgroup hierarchy is mounted here from ${pids[0].root}, not from its root (Slipway runs in a container?)`, IN_A_CONTAINER_FIX)
        : unavailable('no pids cgroup hierarchy is mounted here', 'mount it (mount -t cgroup -o pids cgroup /sys/fs/cgroup/pids) and restart Slipway');
    return { kind: 'cgroupfs', version: 1, base: join(whole.mountPoint, BUILDS_CGROUP), cleanup };
  }
  if (f.cgroupVersion === '2') {
    const unified = f.mounts.filter((m) => m.version === 2);
    const whole = unified.find((m) => m.root === '/');
    if (!whole)
      return unified[0]
        ? unavailable(`the cgroup2 file system is mounted here from ${unified[0].root}, not from its root (Slipway runs in a container?)`, IN_A_CONTAINER_FIX)
        : unavailable('no cgroup2 file system is mounted here', 'mount it (mount -t cgroup2 cgroup2 /sys/fs/cgroup) and restart Slipway');
    return { kind: 'cgroupfs', version: 2, base: join(whole.mountPoint, BUILDS_CGROUP), unifiedRoot: whole.mountPoint, cleanup };
  }
  return unavailable(`Docker reports cgroup version "${f.cgroupVersion}"`, 'a Docker Engine that reports CgroupVersion 1 or 2 (20.10 or newer)');
}
