// The build network on a real Docker Engine, asked for by several builds at the same moment (the build queue
// starts them together): one network is made and every caller gets it, where two creates used to race and the
// loser failed with Docker's "networks have same bridge name" (a failed build that said it needs a person).
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { buildNetworkName } from '../../../src/runtime/docker/container-names.js';
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

afterAll(async () => {
  await docker
    .getNetwork(buildNetworkName(installation))
    .remove()
    .catch(() => undefined);
});

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
