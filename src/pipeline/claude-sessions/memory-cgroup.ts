// The memory limit of a Claude Code session: a cgroup of its own under the server's, made when the session opens and
// removed when it ends. cgroup v2: a child of the server's cgroup when its subtree has the memory controller; cgroup
// v1: a child in the memory hierarchy. Where neither can be had, sessions do not open unlimited in silence: `status`
// says why (the about page shows it) and `open` returns null, which the caller reports.
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCgroupMounts } from '../../build/cgroup-mounts.js';
import { messageOf } from '../../shared/errors.js';

export interface MemoryCgroup {
  /** The cgroup's folder: the session's process moves itself in (its `cgroup.procs`) before it execs the CLI. */
  readonly dir: string;
  close(): Promise<void>;
}

export type MemoryLimitStatus = { state: 'on'; detail: string } | { state: 'off'; detail: string; fix: string };

export interface MemoryCgroups {
  /** A cgroup limited to `bytes`, or null when none can be made here (see `status`). */
  open(name: string, bytes: number): Promise<MemoryCgroup | null>;
  status(): Promise<MemoryLimitStatus>;
}

type Place = { version: 1 | 2; dir: string } | { version: 0; reason: string; fix: string };

export function createMemoryCgroups(options: { readMountinfo?: () => Promise<string>; readOwnCgroups?: () => Promise<string> } = {}): MemoryCgroups {
  const readMountinfo = options.readMountinfo ?? (() => readFile('/proc/self/mountinfo', 'utf8'));
  const readOwn = options.readOwnCgroups ?? (() => readFile('/proc/self/cgroup', 'utf8'));
  let place: Promise<Place> | undefined;
  const where = (): Promise<Place> => (place ??= look(readMountinfo, readOwn));

  return {
    async open(name, bytes) {
      const p = await where();
      if (p.version === 0) return null;
      const dir = join(p.dir, name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, p.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), String(bytes));
      // v2: no swap beyond the limit either, so the limit is what the CLI can use.
      if (p.version === 2) await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => undefined);
      return {
        dir,
        async close() {
          // The processes are gone (the session's process group was killed); the kernel may take a moment to let go.
          for (let i = 0; i < 20; i++) {
            try {
              await rmdir(dir);
              return;
            } catch {
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        },
      };
    },
    async status() {
      const p = await where();
      if (p.version === 0) return { state: 'off', detail: p.reason, fix: p.fix };
      return { state: 'on', detail: `each session runs in a cgroup (v${p.version}) of its own under ${p.dir}` };
    },
  };
}

async function look(readMountinfo: () => Promise<string>, readOwn: () => Promise<string>): Promise<Place> {
  const fix = 'run Slipway as a user that may make cgroups (root, or a systemd service with Delegate=yes)';
  let mounts, own: string;
  try {
    mounts = parseCgroupMounts(await readMountinfo());
    own = await readOwn();
  } catch (e) {
    return { version: 0, reason: `cannot read this machine's cgroups (${messageOf(e)})`, fix };
  }
  const lines = own.split('\n').map((l) => l.split(':'));
  const v1 = mounts.find((m) => m.version === 1 && m.controllers.includes('memory'));
  const v1Path = lines.find((l) => l[1]?.split(',').includes('memory'))?.[2];
  const v2 = mounts.find((m) => m.version === 2);
  const v2Path = lines.find((l) => l[0] === '0' && l[1] === '')?.[2];
  const candidates: Array<{ version: 1 | 2; dir: string }> = [];
  if (v2 && v2Path !== undefined) candidates.push({ version: 2, dir: inside(v2.mountPoint, v2.root, v2Path) });
  if (v1 && v1Path !== undefined) candidates.push({ version: 1, dir: inside(v1.mountPoint, v1.root, v1Path) });
  const reasons: string[] = [];
  for (const c of candidates) {
    if (c.version === 2) {
      const subtree = await readFile(join(c.dir, 'cgroup.subtree_control'), 'utf8').catch(() => '');
      if (!subtree.split(/\s+/).includes('memory')) {
        reasons.push(`the server's cgroup ${c.dir} does not hand the memory controller to its children`);
        continue;
      }
    }
    // Can a child be made here? Made and removed at once.
    const probe = join(c.dir, `slipway-probe-${process.pid}`);
    try {
      await mkdir(probe);
      await rmdir(probe);
      return c;
    } catch (e) {
      reasons.push(`cannot make a cgroup in ${c.dir} (${messageOf(e)})`);
    }
  }
  if (candidates.length === 0) reasons.push('no memory cgroup is mounted here');
  return { version: 0, reason: reasons.join('; '), fix };
}

/** The folder of cgroup `path` under a mount that shows the hierarchy from `root` (a container sees its own part). */
function inside(mountPoint: string, root: string, path: string): string {
  const rel = root !== '/' && path.startsWith(root) ? path.slice(root.length) : path;
  return join(mountPoint, rel);
}
