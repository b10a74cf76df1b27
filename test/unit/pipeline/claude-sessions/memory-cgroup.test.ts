// The memory cgroup of a session over a folder that stands for the cgroup file system (the kernel's own needs root
// and differs per machine): where it is made, what is written, and what the about page is told when none can be.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryCgroups } from '../../../../src/pipeline/claude-sessions/memory-cgroup.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mount = (type: 'cgroup' | 'cgroup2', at: string, options: string) => `41 31 0:38 / ${at} rw,relatime - ${type} ${type} ${options}\n`;

describe('memory cgroups', () => {
  it("cgroup v2: a child of the server's cgroup with memory.max, removed on close", async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-cgroup-'));
    mkdirSync(join(dir, 'system.slice', 'slipway.service'), { recursive: true });
    writeFileSync(join(dir, 'system.slice', 'slipway.service', 'cgroup.subtree_control'), 'cpu memory pids\n');
    const cgroups = createMemoryCgroups({
      readMountinfo: async () => mount('cgroup2', dir, 'rw'),
      readOwnCgroups: async () => '0::/system.slice/slipway.service\n',
    });
    expect(await cgroups.status()).toMatchObject({ state: 'on' });
    const cg = await cgroups.open('slipway-claude-ses_1', 1024 * 1024 * 1024);
    expect(cg?.dir).toBe(join(dir, 'system.slice', 'slipway.service', 'slipway-claude-ses_1'));
    expect(readFileSync(join(cg!.dir, 'memory.max'), 'utf8')).toBe('1073741824');
    rmSync(join(cg!.dir, 'memory.max'));
    rmSync(join(cg!.dir, 'memory.swap.max'));
    await cg!.close();
    expect(existsSync(cg!.dir)).toBe(false);
  });

  it('cgroup v1: a child in the memory hierarchy with memory.limit_in_bytes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-cgroup-'));
    mkdirSync(join(dir, 'memory', 'docker', 'abc'), { recursive: true });
    const cgroups = createMemoryCgroups({
      readMountinfo: async () => mount('cgroup', join(dir, 'memory'), 'rw,memory'),
      readOwnCgroups: async () => '4:memory:/docker/abc\n0::/\n',
    });
    expect(await cgroups.open('slipway-claude-ses_2', 64 * 1024 * 1024)).not.toBeNull();
    expect(readFileSync(join(dir, 'memory', 'docker', 'abc', 'slipway-claude-ses_2', 'memory.limit_in_bytes'), 'utf8')).toBe(String(64 * 1024 * 1024));
  });

  it('says why there is no limit instead of running without one in silence', async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-cgroup-'));
    writeFileSync(join(dir, 'cgroup.subtree_control'), 'cpu pids\n');
    const cgroups = createMemoryCgroups({ readMountinfo: async () => mount('cgroup2', dir, 'rw'), readOwnCgroups: async () => '0::/\n' });
    expect(await cgroups.open('x', 1)).toBeNull();
    const status = await cgroups.status();
    expect(status).toMatchObject({ state: 'off' });
    expect(status.detail).toContain('does not hand the memory controller to its children');
    const none = createMemoryCgroups({ readMountinfo: async () => '', readOwnCgroups: async () => '' });
    expect((await none.status()).detail).toBe('no memory cgroup is mounted here');
  });
});
