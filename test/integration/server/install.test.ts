// scripts/install.sh with its service-manager step switched off (--no-service), into a temporary prefix, data and
// settings folder, twice in a row: the second run changes nothing and keeps the settings; the unit passes
// `systemd-analyze verify`; and the installed copy serves with the settings the script wrote.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/free-port.js';
import { PROJECT_ROOT } from '../../helpers/k8s-cluster.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

const base = mkdtempSync(join(tmpdir(), 'slipway-install-'));
const dirs = { prefix: join(base, 'opt', 'slipway'), data: join(base, 'var', 'slipway'), config: join(base, 'etc'), systemd: join(base, 'systemd') };
const args = ['--prefix', dirs.prefix, '--data-dir', dirs.data, '--config-dir', dirs.config, '--systemd-dir', dirs.systemd, '--no-service'];
let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.kill();
  rmSync(base, { recursive: true, force: true });
});

const run = (file: string, argv: string[], env: NodeJS.ProcessEnv = process.env) =>
  new Promise<{ code: number; out: string }>((resolve) =>
    execFile(file, argv, { cwd: PROJECT_ROOT, env, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out: stdout + stderr }),
    ),
  );

/** The settings file as the service gets it (KEY=VALUE lines; comments left out). */
const settings = () =>
  Object.fromEntries(
    readFileSync(join(dirs.config, 'slipway.env'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('scripts/install.sh --no-service', () => {
  it('installs the code, the settings (0600, a new admin token) and the unit, each step timed', { timeout: 300_000 }, async () => {
    const env = { ...process.env };
    delete env.SLIPWAY_BUILD_ARGS; // what the script finds out for itself, as on a fresh machine
    const first = await run('bash', [join(PROJECT_ROOT, 'scripts', 'install.sh'), ...args], env);
    expect(first.code, first.out).toBe(0);
    for (const step of ['build', 'code', 'dependencies', 'docker', 'images', 'data', 'settings', 'unit', 'builds-slice'])
      expect(first.out, step).toMatch(new RegExp(`^slipway: ${step}: .*\\(\\d+\\.\\d s\\)$`, 'm'));
    const token = /admin token \(shown this once.*\n\s*slipway:\s+(slw_\S+)/.exec(first.out)?.[1];
    expect(token).toMatch(/^slw_[A-Za-z0-9_-]{40,}$/);
    expect(settings()).toMatchObject({ SLIPWAY_DATA_DIR: dirs.data, SLIPWAY_PORT: '8080', SLIPWAY_ADMIN_TOKEN: token });
    expect(statSync(join(dirs.config, 'slipway.env')).mode & 0o777).toBe(0o600);
    expect(statSync(dirs.data).mode & 0o777).toBe(0o700);
    expect(existsSync(join(dirs.prefix, 'dist', 'src', 'main.js'))).toBe(true);
    // Development packages stay out of the installed copy.
    expect(existsSync(join(dirs.prefix, 'node_modules', 'better-sqlite3'))).toBe(true);
    expect(existsSync(join(dirs.prefix, 'node_modules', 'vitest'))).toBe(false);

    const unitPath = join(dirs.systemd, 'slipway.service');
    const unit = readFileSync(unitPath, 'utf8');
    expect(unit).toContain(`ExecStart=${process.execPath} --max-semi-space-size=1 ${dirs.prefix}/dist/src/main.js serve`);
    expect(unit).toContain(`EnvironmentFile=${dirs.config}/slipway.env`);
    expect(unit).toContain(`ReadWritePaths=${dirs.data}`);
    expect(unit).not.toMatch(/@[A-Z_]+@/);
    const verify = await run('systemd-analyze', ['verify', unitPath]);
    expect(verify.out, 'systemd-analyze verify').toBe('');
    expect(verify.code).toBe(0);

    // The slice builds run in with Docker's systemd cgroup driver: SLIPWAY_BUILD_PIDS's default, unset in the settings.
    const slicePath = join(dirs.systemd, 'slipway-builds.slice');
    const slice = readFileSync(slicePath, 'utf8');
    expect(slice).toMatch(/^\[Slice\]\nTasksMax=512$/m);
    expect(slice).not.toMatch(/@[A-Z_]+@/);
    expect(settings().SLIPWAY_BUILD_PIDS).toBeUndefined();
    const verifySlice = await run('systemd-analyze', ['verify', slicePath]);
    expect(verifySlice.out, 'systemd-analyze verify').toBe('');
    expect(verifySlice.code).toBe(0);
  });

  it('runs again and changes nothing: same settings, same token, no new token printed', { timeout: 120_000 }, async () => {
    const before = settings();
    const unitBefore = readFileSync(join(dirs.systemd, 'slipway.service'), 'utf8');
    const second = await run('bash', [join(PROJECT_ROOT, 'scripts', 'install.sh'), ...args]);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/^slipway: dependencies: unchanged/m);
    expect(second.out).toMatch(/^slipway: settings: kept/m);
    expect(second.out).toMatch(/^slipway: unit: unchanged/m);
    expect(second.out).toMatch(/^slipway: builds-slice: unchanged/m);
    expect(second.out).not.toContain('admin token');
    expect(settings()).toEqual(before);
    expect(readFileSync(join(dirs.systemd, 'slipway.service'), 'utf8')).toBe(unitBefore);
  });

  it("writes SLIPWAY_BUILD_PIDS into the settings and the slice's TasksMax, and refuses another value than the settings'", { timeout: 120_000 }, async () => {
    const third = await run('bash', [join(PROJECT_ROOT, 'scripts', 'install.sh'), ...args], { ...process.env, SLIPWAY_BUILD_PIDS: '300' });
    expect(third.code, third.out).toBe(0);
    expect(third.out).toMatch(/^slipway: settings: kept; added SLIPWAY_BUILD_PIDS/m);
    expect(third.out).toMatch(/^slipway: builds-slice: written/m);
    expect(settings().SLIPWAY_BUILD_PIDS).toBe('300');
    expect(readFileSync(join(dirs.systemd, 'slipway-builds.slice'), 'utf8')).toMatch(/^TasksMax=300$/m);

    const other = await run('bash', [join(PROJECT_ROOT, 'scripts', 'install.sh'), ...args], { ...process.env, SLIPWAY_BUILD_PIDS: '400' });
    expect(other.code).toBe(1);
    expect(other.out).toContain(`SLIPWAY_BUILD_PIDS=400 here, but 300 in ${dirs.config}/slipway.env: change it there, then run this again`);
    expect(readFileSync(join(dirs.systemd, 'slipway-builds.slice'), 'utf8')).toMatch(/^TasksMax=300$/m);
  });

  it('the installed copy serves with the settings it wrote', { timeout: 60_000 }, async () => {
    const port = await freePort();
    server = startServerProcess({ ...settings(), SLIPWAY_HOST: '127.0.0.1', SLIPWAY_PORT: String(port) }, [
      process.execPath,
      join(dirs.prefix, 'dist', 'src', 'main.js'),
      'serve',
    ]);
    await server.waitFor(/Slipway is serving on/, 30_000);
    const api = await fetch(`http://127.0.0.1:${port}/api/apps`, { headers: { authorization: `Bearer ${settings().SLIPWAY_ADMIN_TOKEN}` } });
    expect(api.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/api/apps`)).status).toBe(401);
    expect(existsSync(join(dirs.data, 'slipway.db'))).toBe(true);
  });

  it('refuses bad options with a clear message', async () => {
    const bad = await run('bash', [join(PROJECT_ROOT, 'scripts', 'install.sh'), '--prefix', 'relative/path']);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('--prefix needs an absolute path (got "relative/path")');
    const port = await run('bash', [join(PROJECT_ROOT, 'scripts', 'install.sh'), '--port', '70000']);
    expect(port.out).toContain('--port "70000" is not a port');
  });
});
