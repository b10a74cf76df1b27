// Builds and app containers run on Slipway's own networks, whose bridges the firewall keeps from this machine's
// services and private networks. Checked by reading the rules (`iptables -S`), never by sending traffic to a
// private address: the only traffic here goes to Slipway on 127.0.0.1.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeName, buildNetworkName, networkName } from '../../../src/runtime/docker/container-names.js';
import { waitForPreview } from '../../helpers/e2e-api.js';
import { installationOf, removeAppFromDocker, uniqueAppName } from '../../helpers/e2e-docker.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const run = promisify(execFile);
const app = uniqueAppName('fw');
const dockerfile = readFileSync(join(import.meta.dirname, '..', '..', '..', 'app-templates', 'static-site', 'Dockerfile'), 'utf8');
let server: TestServer;
let clone: Clone | undefined;

/** The lines of `iptables -S CHAIN` (all chains without one). */
async function rules(chain?: string): Promise<string[]> {
  const { stdout } = await run('iptables', ['-w', '-S', ...(chain ? [chain] : [])]);
  return stdout.split('\n').filter(Boolean);
}

/** Slipway's rules naming a bridge, in order. */
async function rulesOf(bridge: string): Promise<string[]> {
  return [...(await rules('SLIPWAY-INPUT')), ...(await rules('SLIPWAY-FORWARD'))].filter((l) => l.includes(`-i ${bridge} `));
}

async function inspectNetwork(name: string): Promise<{ Options: Record<string, string>; IPAM: { Config: { Subnet: string }[] } }> {
  const { stdout } = await run('docker', ['network', 'inspect', name]);
  return (JSON.parse(stdout) as [{ Options: Record<string, string>; IPAM: { Config: { Subnet: string }[] } }])[0];
}

function inSubnet(address: string, subnet: string): boolean {
  const [base = '', bits = '32'] = subnet.split('/');
  const block = (a: string) => Math.floor(a.split('.').reduce((n, p) => n * 256 + Number(p), 0) / 2 ** (32 - Number(bits)));
  return block(address) === block(base);
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  clone?.remove();
  await server?.stop();
  await removeAppFromDocker(app);
});

describe("Slipway's networks", () => {
  it('run builds on the build network and apps on their own, with firewall rules that a delete takes away', { timeout: 240_000 }, async () => {
    const installation = installationOf(server.dataDir);
    const appNetwork = networkName(installation, app);
    const buildNetwork = buildNetworkName(installation);
    expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
    await waitForPreview(server.port, app, 'Hello from Slipway', 150_000);

    // A build step says where it runs: an address of the build network, not of Docker's default bridge.
    clone = await cloneApp(server.gitUrl(app));
    await clone.commit(
      { Dockerfile: dockerfile.replace(/^FROM .*$/m, (from) => `${from}\nRUN echo "build step at $(hostname -i)"`) },
      'say where the build runs',
    );
    const pushed = await clone.push('origin', 'HEAD:main');
    expect(pushed.code, pushed.output).toBe(0);
    const at = /build step at (\d+\.\d+\.\d+\.\d+)/.exec(pushed.output)?.[1];
    expect(at, pushed.output).toBeDefined();
    const build = await inspectNetwork(buildNetwork);
    expect(build.IPAM.Config.some((c) => inSubnet(at!, c.Subnet))).toBe(true);
    expect((await inspectNetwork('bridge')).IPAM.Config.some((c) => inSubnet(at!, c.Subnet))).toBe(false);
    // Builds of different apps do not talk to each other.
    expect(build.Options['com.docker.network.bridge.enable_icc']).toBe('false');

    // Each network's bridge has the name the rules use.
    const appBridge = bridgeName(appNetwork);
    const buildBridge = bridgeName(buildNetwork);
    expect((await inspectNetwork(appNetwork)).Options['com.docker.network.bridge.name']).toBe(appBridge);
    expect(build.Options['com.docker.network.bridge.name']).toBe(buildBridge);

    // Slipway's chains are jumped to before any rule that accepts (others may insert their own jumps above it,
    // as the kubelet does with KUBE-FIREWALL), and each bridge has its rules: replies and DNS pass, the host and
    // private ranges do not.
    const jumpBeforeAccepts = (lines: string[], chain: string, target: string) => {
      const own = lines.filter((l) => l.startsWith(`-A ${chain} `));
      const jump = own.indexOf(`-A ${chain} -j ${target}`);
      const firstAccept = own.findIndex((l) => / -j ACCEPT$/.test(l));
      return jump >= 0 && (firstAccept < 0 || jump < firstAccept);
    };
    expect(jumpBeforeAccepts(await rules('INPUT'), 'INPUT', 'SLIPWAY-INPUT')).toBe(true);
    expect(jumpBeforeAccepts(await rules('DOCKER-USER'), 'DOCKER-USER', 'SLIPWAY-FORWARD')).toBe(true);
    expect(await rules()).toContain('-A FORWARD -j DOCKER-USER');
    for (const bridge of [appBridge, buildBridge]) {
      const mine = await rulesOf(bridge);
      const input = mine.filter((l) => l.startsWith('-A SLIPWAY-INPUT'));
      expect(input[0]).toMatch(/--ctstate RELATED,ESTABLISHED .*-j RETURN$/);
      expect(input.at(-1)).toMatch(new RegExp(`^-A SLIPWAY-INPUT -i ${bridge} -m comment --comment "?slipway:slipway_${installation}_[a-z0-9-]+"? -j DROP$`));
      const dropped = mine.filter((l) => l.startsWith('-A SLIPWAY-FORWARD') && l.endsWith('-j DROP')).map((l) => /-d (\S+)/.exec(l)?.[1]);
      expect(dropped).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10']);
    }

    // Ensuring again (what a restart and every deploy do) changes nothing: no rule twice.
    const before = [...(await rulesOf(appBridge)), ...(await rulesOf(buildBridge))];
    await server.deps.runtime.removeStale(() => true);
    await server.deps.runtime.buildNetwork?.();
    const after = [...(await rulesOf(appBridge)), ...(await rulesOf(buildBridge))];
    expect(after).toEqual(before);
    expect(new Set(after).size).toBe(after.length);

    // The app still answers through Slipway on 127.0.0.1 (the host reaches its container; the replies pass).
    await waitForPreview(server.port, app, 'Hello from Slipway', 60_000);
    const firewall = await server.deps.runtime.firewall?.();
    expect(firewall).toMatchObject({ state: 'on', detail: expect.stringMatching(/^on: \d+ networks? kept from this machine's services/) });

    // Deleting the app takes its network's rules with it; the build network keeps its own.
    expect((await server.api('DELETE', `/api/apps/${app}`)).status).toBe(204);
    expect(await rulesOf(appBridge)).toEqual([]);
    expect(await rulesOf(buildBridge)).not.toEqual([]);
  });
});
