// The cgroup file systems mounted here, read from /proc/self/mountinfo: where a build's cgroups are made (the
// pids hierarchy on cgroup v1, the unified one on v2) and every place runc makes a build step's cgroups in.

export interface CgroupMount {
  /** 1: a v1 hierarchy (`cgroup`); 2: the unified hierarchy (`cgroup2`). */
  readonly version: 1 | 2;
  /** The hierarchy's folder this mount shows; `/` unless a sub-tree is mounted (as in a container). */
  readonly root: string;
  readonly mountPoint: string;
  /** v1: the controllers of the hierarchy (`pids`, `cpu`, …; named ones like `name=systemd` are left out). */
  readonly controllers: readonly string[];
}

/** Mount options of a v1 hierarchy that are not controllers. */
const NOT_CONTROLLERS = new Set(['rw', 'ro', 'xattr', 'noprefix', 'clone_children', 'cpuset_v2_mode', 'favordynmods']);

/** The cgroup mounts of a mountinfo text (proc(5)), in its order. */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    // Optional fields (shared:N, master:N) end with a lone "-"; file system type, source and options follow.
    const dash = fields.indexOf('-', 6);
    if (dash < 0) continue;
    const [root, mountPoint] = [fields[3], fields[4]];
    const [type, , options] = fields.slice(dash + 1);
    if ((type !== 'cgroup' && type !== 'cgroup2') || root === undefined || mountPoint === undefined) continue;
    const controllers = type === 'cgroup' ? (options ?? '').split(',').filter((o) => o !== '' && !o.includes('=') && !NOT_CONTROLLERS.has(o)) : [];
    mounts.push({ version: type === 'cgroup' ? 1 : 2, root: unescape(root), mountPoint: unescape(mountPoint), controllers });
  }
  return mounts;
}

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040). */
function unescape(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
