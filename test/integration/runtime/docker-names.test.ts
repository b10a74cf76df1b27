// Container and network names on a real Docker Engine: two installations (two data folders) deploy the same app
// and environment side by side, and app `a-b` in environment `c` lives next to app `a` in environment `b-c`.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentDef } from '../../../src/domain/types.js';
import { createFirewall } from '../../../src/runtime/docker/firewall.js';
import { createDockerRuntime, type DockerRuntime } from '../../../src/runtime/docker/create-docker-runtime.js';
import type { DeploySpec } from '../../../src/runtime/runtime.js';
import { createLogger } from '../../../src/shared/log.js';
import { INSTALLATION_ID_FILE } from '../../../src/shared/installation-id.js';
import { tinyHttpImage } from '../../helpers/tiny-http-image.js';

const run = promisify(execFile);
const docker = new Docker();
const tag = randomBytes(3).toString('hex');
const first = `first${tag}`;
const second = `second${tag}`;
const app = `shop${tag}`;
let image: string;

function environment(name: string): EnvironmentDef {
  return {
    name,
    title: name,
    ref: `refs/heads/${name}`,
    host: `{app}-${name}.{domain}`,
    replicas: 1,
    resources: { cpu: '250m', memory: '64Mi' },
    health: { path: '/health', timeoutSeconds: 1, intervalSeconds: 0.2, attempts: 50 },
    graceSeconds: 0,
    warmReleases: 0,
  };
}

function spec(appName: string, env: EnvironmentDef, commit: string): DeploySpec {
  return {
    app: appName,
    environment: env,
    commit: commit.repeat(40).slice(0, 40),
    image,
    settings: { kind: 'web', port: 8080, healthPath: '/health', env: {} },
    secrets: {},
    deploymentId: `dep_${commit}${randomBytes(3).toString('hex')}`,
  };
}

function runtime(installation: string, dataDir?: string): DockerRuntime {
  const log = createLogger('warn');
  // The firewall has its own test (test/e2e/docker/firewall.test.ts); these networks are removed behind the runtime's back.
  const firewall = createFirewall({ enabled: false, log, path: process.env.PATH ?? '' });
  return createDockerRuntime({ docker, endpoint: 'unix:///var/run/docker.sock', installation, ...(dataDir ? { dataDir } : {}), log, firewall });
}

/** A data folder that records `installation` as its id, as a started Slipway's does. */
function dataFolder(installation: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-names-'));
  writeFileSync(join(dir, INSTALLATION_ID_FILE), `${installation}\n`);
  return dir;
}

/** What the app serving an environment says it is, through the route the proxy would use. */
async function ask(r: DockerRuntime, appName: string, env: string): Promise<string> {
  const target = r.route(appName, env);
  if (!target) return '(no route)';
  const res = await fetch(`http://${target.host}:${target.port}/`);
  return (await res.text()).trim();
}

async function cleanUp(installation: string): Promise<void> {
  const ids = async (args: string[]) => (await run('docker', args)).stdout.split('\n').filter(Boolean);
  const containers = await ids(['ps', '-aq', '--filter', `label=slipway.instance=${installation}`]);
  if (containers.length > 0) await run('docker', ['rm', '-f', ...containers]);
  const networks = await ids(['network', 'ls', '-q', '--filter', `label=slipway.instance=${installation}`]);
  if (networks.length > 0) await run('docker', ['network', 'rm', ...networks]);
}

beforeAll(async () => {
  image = await tinyHttpImage();
});

const gone = randomBytes(6).toString('hex');
const alive = randomBytes(6).toString('hex');
const observer = randomBytes(6).toString('hex');
const folders: string[] = [];

afterAll(async () => {
  for (const installation of [first, second, gone, alive, observer]) await cleanUp(installation);
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('Docker names', () => {
  const preview = environment('preview');

  it('let two installations on one engine deploy the same app and environment, each serving its own', async () => {
    const a = runtime(first);
    const b = runtime(second);
    const deployedA = await a.deploy(spec(app, preview, 'a'), () => undefined);
    expect(deployedA).toMatchObject({ ok: true });
    // Before names carried the installation, this rename failed with "container name already in use", forever.
    const deployedB = await b.deploy(spec(app, preview, 'b'), () => undefined);
    expect(deployedB).toMatchObject({ ok: true });
    expect(await ask(a, app, 'preview')).toBe(`${app} preview ${'a'.repeat(40)}`);
    expect(await ask(b, app, 'preview')).toBe(`${app} preview ${'b'.repeat(40)}`);

    // A new deploy in one, and removing the app there, leaves the other serving.
    expect(await a.deploy(spec(app, preview, 'c'), () => undefined)).toMatchObject({ ok: true });
    expect(await ask(a, app, 'preview')).toBe(`${app} preview ${'c'.repeat(40)}`);
    expect((await b.current(app)).map((i) => i.commit[0])).toEqual(['b']);
    await a.removeApp(app);
    expect(await a.current(app)).toEqual([]);
    expect(await ask(b, app, 'preview')).toBe(`${app} preview ${'b'.repeat(40)}`);

    const names = (await docker.listContainers({ filters: { label: [`slipway.app=${app}`] } })).map((c) => c.Names[0]);
    expect(names).toEqual([`/slipway_${second}_${app}_preview`]);
    const networks = (await docker.listNetworks({ filters: { label: [`slipway.app=${app}`] } })).map((n) => n.Name);
    expect(networks).toEqual([`slipway_${second}_${app}`]);
  });

  it('list what an installation that no longer exists left, and remove only that (slipway repair --prune)', async () => {
    const [goneDir, aliveDir, observerDir] = [dataFolder(gone), dataFolder(alive), dataFolder(observer)];
    folders.push(goneDir, aliveDir, observerDir);
    expect(await runtime(gone, goneDir).deploy(spec(app, preview, 'a'), () => undefined)).toMatchObject({ ok: true });
    const aliveRuntime = runtime(alive, aliveDir);
    expect(await aliveRuntime.deploy(spec(app, preview, 'b'), () => undefined)).toMatchObject({ ok: true });
    rmSync(goneDir, { recursive: true, force: true }); // its data folder is gone: so is the installation

    const me = runtime(observer, observerDir);
    const mine = (list: Awaited<ReturnType<NonNullable<DockerRuntime['otherInstallations']>>>) =>
      list
        .filter((o) => o.installation === gone || o.installation === alive)
        .map((o) => ({ id: o.installation, exists: o.exists, dir: o.dataDir, containers: o.containers.length, networks: o.networks }));
    expect(mine(await me.otherInstallations!())).toEqual(
      [
        { id: gone, exists: false, dir: goneDir, containers: 1, networks: [`slipway_${gone}_${app}`] },
        { id: alive, exists: true, dir: aliveDir, containers: 1, networks: [`slipway_${alive}_${app}`] },
      ].sort((x, y) => x.id.localeCompare(y.id)),
    );
    await expect(me.removeOtherInstallation!(alive)).rejects.toThrow(/may still exist/);
    expect(await me.removeOtherInstallation!(gone)).toEqual({ containers: 1, networks: 1 });
    expect(mine(await me.otherInstallations!()).map((o) => o.id)).toEqual([alive]);
    expect(await ask(aliveRuntime, app, 'preview')).toBe(`${app} preview ${'b'.repeat(40)}`);
  });

  it('give app a-b in environment c and app a in environment b-c containers of their own', async () => {
    const r = runtime(first);
    const ab = `${tag}a-b`;
    const a = `${tag}a`;
    expect(await r.deploy(spec(ab, environment('c'), 'd'), () => undefined)).toMatchObject({ ok: true });
    expect(await r.deploy(spec(a, environment('b-c'), 'e'), () => undefined)).toMatchObject({ ok: true });
    expect(await ask(r, ab, 'c')).toBe(`${ab} c ${'d'.repeat(40)}`);
    expect(await ask(r, a, 'b-c')).toBe(`${a} b-c ${'e'.repeat(40)}`);
    // Both survive the clean-up pass, which removes whatever does not hold its serving name.
    expect(await r.removeStale(() => false)).toBe(0);
    expect((await r.current(ab)).map((i) => i.environment)).toEqual(['c']);
    expect((await r.current(a)).map((i) => i.environment)).toEqual(['b-c']);
  });

  it('keep serving what an older Slipway started under slipway-APP-ENV until the next deploy takes over', async () => {
    const r = runtime(first);
    const old = `${tag}old`;
    const legacy = await docker.createContainer({
      name: `slipway-${old}-preview`,
      Image: image,
      Env: ['PORT=8080', `SLIPWAY_APP=${old}`, 'SLIPWAY_ENVIRONMENT=preview', `SLIPWAY_COMMIT=${'f'.repeat(40)}`],
      Labels: {
        'slipway.managed': 'true',
        'slipway.instance': first,
        'slipway.app': old,
        'slipway.environment': 'preview',
        'slipway.commit': 'f'.repeat(40),
        'slipway.role': 'web',
      },
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    await legacy.start();
    expect(await r.removeStale(() => false)).toBe(0);
    expect((await r.current(old)).map((i) => i.commit[0])).toEqual(['f']);
    await expect.poll(() => ask(r, old, 'preview'), { timeout: 10_000 }).toBe(`${old} preview ${'f'.repeat(40)}`);

    expect(await r.deploy(spec(old, preview, 'a'), () => undefined)).toMatchObject({ ok: true });
    expect(await ask(r, old, 'preview')).toBe(`${old} preview ${'a'.repeat(40)}`);
    await expect.poll(async () => (await legacy.inspect().catch(() => null))?.State.Running ?? false, { timeout: 15_000 }).toBe(false);
  });
});
