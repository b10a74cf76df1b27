// The process limit of builds (SLIPWAY_BUILD_PIDS). The classic builder's API has no pids limit, but it takes a
// cgroup parent for every step's container: with Docker's cgroupfs driver each build gets a cgroup of its own whose
// pids.max holds all its steps together (pids.max counts a cgroup's descendants), removed after the build; with the
// systemd driver builds run in slipway-builds.slice, whose TasksMax they share. Where neither can be had, builds run
// without the limit: one warning in the log, and `slipway doctor` says why and what to do.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { messageOf } from '../shared/errors.js';
import { exec } from '../shared/exec.js';
import type { Logger } from '../shared/log.js';
import { parseCgroupMounts } from './cgroup-mounts.js';
import { BUILDS_CGROUP, planBuildCgroups, type BuildCgroupsPlan } from './plan-build-cgroups.js';

/** One build's place under the limit. */
export interface BuildCgroup {
  /** The build API's `cgroupparent`. */
  readonly parent: string;
  /** The limit in force: SLIPWAY_BUILD_PIDS, or the slice's TasksMax. */
  readonly pids: number;
  /** The limit as a build error names it: "the build's process limit of 512, SLIPWAY_BUILD_PIDS". */
  readonly describe: string;
  /** Whether the build's processes reached the limit (pids.peak, pids.events); undefined when that cannot be known. */
  reachedLimit(): Promise<boolean | undefined>;
  /** Removes the build's cgroup from every hierarchy; best effort (a later build removes what is left). */
  close(): Promise<void>;
}

/** Whether builds get the process limit, for `slipway doctor` and the about page. */
export interface BuildProcessLimitStatus {
  state: 'on' | 'off';
  detail: string;
  /** What to do, when it is off or not as SLIPWAY_BUILD_PIDS says. */
  fix?: string;
}

export interface BuildCgroups {
  /** The cgroup of a build about to start (`label` names it: app and commit), or null: it runs without the limit. */
  open(label: string): Promise<BuildCgroup | null>;
  status(): Promise<BuildProcessLimitStatus>;
}

export interface BuildCgroupsOptions {
  /** The Docker Engine builds run on; `docker info` says its cgroup driver and version. */
  docker: Docker;
  runtime: 'docker' | 'kubernetes';
  /** The engine's address (`unix:///var/run/docker.sock`): only a local one has this machine's cgroups. */
  endpoint: string;
  /** This installation's id: the start of its builds' cgroup names. */
  installation: string;
  /** SLIPWAY_BUILD_PIDS. */
  pids: number;
  /** A build's cgroup older than this is left from a crash (the build timeout has passed): removed at the next build. */
  staleAfterMs: number;
  log: Logger;
  /** Tests give their own; /proc/self/mountinfo otherwise. */
  readMountinfo?: () => Promise<string>;
  /** Tests give their own; `systemctl show` otherwise. */
  showSlice?: (slice: string) => Promise<SliceState>;
}

export interface SliceState {
  /** `loaded` when its unit file is installed, `not-found` otherwise. */
  loadState: string;
  /** A number, or `infinity`. */
  tasksMax: string;
}

type CgroupfsPlan = Extract<BuildCgroupsPlan, { kind: 'cgroupfs' }>;
/** What the first look found; `unknown` (Docker did not answer) is not kept: the next build looks again. */
type Setup =
  | { kind: 'cgroupfs'; plan: CgroupfsPlan }
  | { kind: 'systemd'; slice: string; tasksMax: number }
  | { kind: 'unavailable'; reason: string; fix: string }
  | { kind: 'unknown'; reason: string };

/** The kernel's highest pid. */
const PID_MAX_LIMIT = 4_194_304;
/** How long closing waits for the engine to remove the last step's container (and so its cgroup). */
const CLOSE_WAIT_MS = 3000;

export function createBuildCgroups(options: BuildCgroupsOptions): BuildCgroups {
  const { installation, pids, log } = options;
  const readMountinfo = options.readMountinfo ?? (() => readFile('/proc/self/mountinfo', 'utf8'));
  const showSlice = options.showSlice ?? showSliceWithSystemctl;
  let setup: Promise<Setup> | undefined;
  let warned = false;

  function current(): Promise<Setup> {
    setup ??= look().then((s) => {
      if (s.kind === 'unknown') setup = undefined;
      return s;
    });
    return setup;
  }

  async function look(): Promise<Setup> {
    let info: { CgroupDriver?: unknown; CgroupVersion?: unknown };
    try {
      info = (await options.docker.info()) as typeof info;
    } catch (e) {
      return { kind: 'unknown', reason: messageOf(e) };
    }
    let mountinfo = '';
    try {
      mountinfo = await readMountinfo();
    } catch (e) {
      return { kind: 'unavailable', reason: `cannot read this machine's mounts (${messageOf(e)})`, fix: 'run Slipway where /proc is mounted' };
    }
    const plan = planBuildCgroups({
      runtime: options.runtime,
      endpoint: options.endpoint,
      driver: String(info.CgroupDriver ?? ''),
      // Docker before 20.10 does not say; it only knew cgroup v1.
      cgroupVersion: String(info.CgroupVersion ?? '1'),
      mounts: parseCgroupMounts(mountinfo),
    });
    if (plan.kind === 'unavailable') return plan;
    if (plan.kind === 'systemd') return lookAtSlice(plan.slice);
    try {
      await prepare(plan);
      return { kind: 'cgroupfs', plan };
    } catch (e) {
      return unavailableBecause(e);
    }
  }

  async function lookAtSlice(slice: string): Promise<Setup> {
    let state: SliceState;
    try {
      state = await showSlice(slice);
    } catch (e) {
      return {
        kind: 'unavailable',
        reason: `Docker uses the systemd cgroup driver, and systemd does not say what ${slice} is (${messageOf(e)})`,
        fix: "run Slipway where `systemctl show` works (on the Docker Engine's host)",
      };
    }
    if (state.loadState !== 'loaded')
      return {
        kind: 'unavailable',
        reason: `Docker uses the systemd cgroup driver, and ${slice} is not installed`,
        fix: `sudo scripts/install.sh installs it (deploy/slipway-builds.slice with TasksMax=SLIPWAY_BUILD_PIDS); then restart Slipway`,
      };
    // Older systemd prints infinity as 2^64-1; anything past the kernel's highest pid limits nothing.
    const tasksMax = Number(state.tasksMax);
    if (!/^\d+$/.test(state.tasksMax) || tasksMax <= 0 || tasksMax > PID_MAX_LIMIT)
      return {
        kind: 'unavailable',
        reason: `${slice} sets no process limit (TasksMax=${state.tasksMax})`,
        fix: `set TasksMax= in ${slice} (scripts/install.sh writes SLIPWAY_BUILD_PIDS there), then systemctl daemon-reload`,
      };
    return { kind: 'systemd', slice, tasksMax };
  }

  /** Makes the folder builds' cgroups go in, and one build's cgroup with its limit to see that it can be done. */
  async function prepare(plan: CgroupfsPlan): Promise<void> {
    if (plan.unifiedRoot !== undefined) await handDownPids(plan.unifiedRoot);
    await mkdirOrExisting(plan.base);
    if (plan.unifiedRoot !== undefined) await handDownPids(plan.base);
    const trial = join(plan.base, `${installation}-trial-${randomBytes(3).toString('hex')}`);
    await mkdir(trial);
    try {
      await writeFile(join(trial, 'pids.max'), String(pids));
    } finally {
      await rmdir(trial).catch(() => undefined);
    }
  }

  async function open(label: string): Promise<BuildCgroup | null> {
    const s = await current();
    if (s.kind === 'unknown') return null; // the build fails on its own: Docker does not answer
    if (s.kind === 'unavailable') {
      if (!warned) log.warn('builds run without a process limit (SLIPWAY_BUILD_PIDS)', { reason: s.reason, fix: s.fix });
      warned = true;
      return null;
    }
    if (s.kind === 'systemd') {
      if (!warned && s.tasksMax !== pids)
        log.warn(`builds share the process limit of ${s.slice}, which is not SLIPWAY_BUILD_PIDS`, { tasksMax: s.tasksMax, SLIPWAY_BUILD_PIDS: pids });
      warned = true;
      return {
        parent: s.slice,
        pids: s.tasksMax,
        describe: `the process limit of ${s.tasksMax} shared by the builds running at once, TasksMax of ${s.slice}`,
        // The slice's counters are every build's: not this one's.
        reachedLimit: () => Promise.resolve(undefined),
        close: () => Promise.resolve(),
      };
    }
    const { plan } = s;
    const name = `${installation}-${label.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${randomBytes(3).toString('hex')}`;
    const dir = join(plan.base, name);
    try {
      await mkdir(dir);
      await writeFile(join(dir, 'pids.max'), String(pids));
    } catch (e) {
      // It could be made when first tried: something changed (the folder removed by hand?). Look again next time.
      log.warn('a build runs without a process limit: its cgroup could not be made', { cgroup: dir, error: messageOf(e) });
      setup = undefined;
      await removeEverywhere(plan.cleanup, name, 0);
      return null;
    }
    await removeStale(plan.cleanup, name);
    return {
      parent: `/${BUILDS_CGROUP}/${name}`,
      pids,
      describe: `the build's process limit of ${pids}, SLIPWAY_BUILD_PIDS`,
      reachedLimit: () => reachedLimit(dir, pids),
      close: () => removeEverywhere(plan.cleanup, name, CLOSE_WAIT_MS),
    };
  }

  /** Removes this installation's build cgroups that outlived any build: left by a crash. */
  async function removeStale(bases: readonly string[], own: string): Promise<void> {
    const before = Date.now() - options.staleAfterMs;
    for (const base of bases) {
      const names = await readdir(base).catch(() => [] as string[]);
      for (const name of names) {
        if (name === own || !name.startsWith(`${installation}-`)) continue;
        const made = await stat(join(base, name)).then(
          (s) => s.mtimeMs,
          () => Infinity,
        );
        if (made < before && (await removeTree(join(base, name))) === 'removed') log.info('removed a build cgroup left behind', { cgroup: join(base, name) });
      }
    }
  }

  async function removeEverywhere(bases: readonly string[], name: string, waitMs: number): Promise<void> {
    const until = Date.now() + waitMs;
    let left = bases.map((base) => join(base, name));
    for (;;) {
      const results = await Promise.all(left.map(async (dir) => ((await removeTree(dir)) === 'busy' ? dir : null)));
      left = results.filter((d): d is string => d !== null);
      if (left.length === 0) return;
      if (Date.now() >= until) break;
      await sleep(100);
    }
    log.debug('a build cgroup is still in use; a later build removes it', { cgroups: left });
  }

  async function status(): Promise<BuildProcessLimitStatus> {
    const s = await current();
    switch (s.kind) {
      case 'unknown':
        return { state: 'off', detail: `not checked: Docker Engine does not answer (${s.reason})`, fix: 'start Docker Engine first' };
      case 'unavailable':
        return { state: 'off', detail: `off: ${s.reason}; builds run without a process limit`, fix: s.fix };
      case 'systemd': {
        const detail = `${s.tasksMax} processes shared by the builds running at once (TasksMax of ${s.slice}; Docker's systemd cgroup driver)`;
        return s.tasksMax === pids
          ? { state: 'on', detail }
          : {
              state: 'on',
              detail: `${detail}, not SLIPWAY_BUILD_PIDS=${pids}`,
              fix: 'run scripts/install.sh again (it writes SLIPWAY_BUILD_PIDS into the slice), or set TasksMax= in the slice',
            };
      }
      case 'cgroupfs':
        return { state: 'on', detail: `${pids} processes per build (SLIPWAY_BUILD_PIDS), in a cgroup of each build's own under ${s.plan.base}` };
    }
  }

  return { open, status };
}

/** Cgroup v2: a cgroup's children get a pids.max only when `pids` is in its cgroup.subtree_control. */
async function handDownPids(cgroup: string): Promise<void> {
  const file = join(cgroup, 'cgroup.subtree_control');
  const enabled = (await readFile(file, 'utf8')).split(/\s+/);
  if (!enabled.includes('pids')) await writeFile(file, '+pids');
}

async function mkdirOrExisting(dir: string): Promise<void> {
  await mkdir(dir).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  });
}

/**
 * A cgroup and the ones below it (runc's, of steps' containers), deepest first: a cgroup folder goes with rmdir,
 * its files and all. `busy` while a process or a cgroup it could not remove is still in it.
 */
async function removeTree(dir: string): Promise<'removed' | 'busy'> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await removeTree(join(dir, e.name));
  try {
    await rmdir(dir);
    return 'removed';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'removed' : 'busy';
  }
}

/** Whether the cgroup's processes hit its pids.max: its peak (kernel 6.1 and later) or a fork it refused (v2). */
async function reachedLimit(dir: string, pids: number): Promise<boolean | undefined> {
  const read = (file: string) => readFile(join(dir, file), 'utf8').catch(() => undefined);
  const [peak, events] = await Promise.all([read('pids.peak'), read('pids.events')]);
  // On v1 a refused fork is counted in the cgroup it happened in (the step's, gone by now), not here.
  const refused = Number(/^max (\d+)$/m.exec(events ?? '')?.[1] ?? 0) > 0;
  if (peak === undefined) return refused || undefined;
  return refused || Number(peak.trim()) >= pids;
}

/** Why the cgroup could not be made, and what to do about it. */
function unavailableBecause(e: unknown): Setup {
  const code = (e as NodeJS.ErrnoException).code;
  const path = (e as NodeJS.ErrnoException).path ?? 'the cgroup file system';
  const slice = 'give Docker the systemd cgroup driver (exec-opts native.cgroupdriver=systemd) and install deploy/slipway-builds.slice';
  if (code === 'EACCES' || code === 'EPERM')
    return { kind: 'unavailable', reason: `cannot write ${path}: permission denied (Slipway does not run as root)`, fix: `run Slipway as root, or ${slice}` };
  if (code === 'EROFS')
    return {
      kind: 'unavailable',
      reason: `cannot write ${path}: the cgroup file system is read-only here (a container, or ProtectControlGroups= in Slipway's unit)`,
      fix: `${slice} (scripts/install.sh does), or run Slipway where /sys/fs/cgroup is writable`,
    };
  return {
    kind: 'unavailable',
    reason: `cannot make a cgroup for builds in ${path}: ${messageOf(e)}`,
    fix: `check that ${path} is a cgroup file system Slipway may write, or ${slice}`,
  };
}

async function showSliceWithSystemctl(slice: string): Promise<SliceState> {
  const { stdout } = await exec('systemctl', ['show', '--property=LoadState,TasksMax', slice], { timeoutMs: 5000 });
  const value = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(stdout)?.[1]?.trim() ?? '';
  return { loadState: value('LoadState'), tasksMax: value('TasksMax') };
}
