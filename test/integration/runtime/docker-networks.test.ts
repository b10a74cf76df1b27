// The build network on a real Docker Engine, asked for by several builds at the same moment (the build queue
// starts them together): one network is made and every caller gets it, where two creates used to race and the
// loser failed with Docker's "networks have same bridge name" (a failed build that said it needs a person). And forty
// apps' networks at once, more than Docker's default address pools hold: each gets a /26 of Slipway's own pool.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCidr, overlaps, type Ipv4Net } from '../../../src/domain/subnet-pool.js';
import { buildNetworkName, networkName } from '../../../src/runtime/docker/container-names.js';
import { createDockerAccess } from '../../../src/runtime/docker/docker-access.js';
import { createFirewall } from '../../../src/runtime/docker/firewall.js';
import { createDockerClient } from '../../../src/shared/docker/create-docker-client.js';
import { createLogger } from '../../../src/shared/log.js';

const docker = createDockerClient({ socketPath: undefined, host: undefined });
const installation = randomBytes(6).toString('hex');
const log = createLogger('error');
const access = createDockerAccess({
  docker,
  endpoint: 'unix:///var/run/docker.sock',
  installation,
  log,
  firewall: createFirewall({ enabled: false, log, path: process.env.PATH ?? '' }),
});

// Past Docker's default address pools (about thirty bridge networks): an app's network each.
const APPS = Array.from({ length: 40 }, (_, i) => `pool-${i}`);

afterAll(async () => {
  for (const name of [buildNetworkName(installation), ...APPS.map((a) => networkName(installation, a))])
    await docker
      .getNetwork(name)
      .remove()
      .catch(() => undefined);
}, 120_000);

describe('the build network', () => {
  it('asked for by four builds at once: one network, and every one of them gets it', async () => {
    const names = await Promise.all([1, 2, 3, 4].map(() => access.ensureBuildNetwork()));
    expect(new Set(names)).toEqual(new Set([buildNetworkName(installation)]));
    const found = await docker.listNetworks({ filters: { name: [buildNetworkName(installation)] } });
    expect(found.filter((n) => n.Name === buildNetworkName(installation))).toHaveLength(1);
    // Asked again once it exists: the same network.
    expect(await access.ensureBuildNetwork()).toBe(buildNetworkName(installation));
  });
});

describe('app networks', () => {
  it("forty apps at once, past Docker's default pools: each network its own /26 of 10.213.0.0/16", { timeout: 120_000 }, async () => {
    const names = await Promise.all(APPS.map((a) => access.ensureNetwork(a)));
    expect(names).toEqual(APPS.map((a) => networkName(installation, a)));
    const subnets: Ipv4Net[] = [];
    for (const name of names) {
      const info = await docker.getNetwork(name).inspect();
      const subnet = parseCidr(info.IPAM?.Config?.[0]?.Subnet ?? '');
      expect(subnet, name).not.toBeNull();
      expect(subnet!.bits).toBe(26);
      expect(overlaps(subnet!, parseCidr('10.213.0.0/16')!)).toBe(true);
      subnets.push(subnet!);
    }
    // No two overlap (Docker would have refused, but a pick that ignored the others would have failed the create).
    for (let i = 0; i < subnets.length; i++) for (let j = i + 1; j < subnets.length; j++) expect(overlaps(subnets[i]!, subnets[j]!)).toBe(false);
  });
});
