// Removing images with the real Docker Engine and Debian's docker-registry (scripts/services.sh: 127.0.0.1:5050,
// deletes enabled): Docker's copy and the registry's manifest go; a manifest an image that stays shares is kept; an
// image a container uses is left whole. Then the maintenance step, `scripts/services.sh gc-registry`, on a registry
// of the test's own, frees the deleted image's layers. Every image is made here with `docker import` of random bytes.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifestDigest } from '../../../src/build/registry-manifests.js';
import { readManifestDigests, removeImage } from '../../../src/build/remove-image.js';
import { createDockerClient } from '../../../src/shared/docker/create-docker-client.js';
import { freePort } from '../../helpers/free-port.js';

const run = promisify(execFile);
const docker = createDockerClient({});
const REGISTRY = '127.0.0.1:5050';
const dir = mkdtempSync(join(tmpdir(), 'slipway-remove-image-'));
const suffix = randomBytes(3).toString('hex');
const made = new Set<string>();

/** An image of `bytes` random bytes, tagged `name`, pushed to its registry. */
async function pushedImage(name: string, bytes = 4096): Promise<string> {
  const work = mkdtempSync(join(dir, 'img-'));
  writeFileSync(join(work, 'data'), randomBytes(bytes));
  await run('tar', ['-cf', join(work, 'image.tar'), '-C', work, 'data']);
  await run('docker', ['import', join(work, 'image.tar'), name]);
  made.add(name);
  await run('docker', ['push', name]);
  return name;
}

const exists = (image: string) =>
  docker
    .getImage(image)
    .inspect()
    .then(
      () => true,
      () => false,
    );

afterAll(async () => {
  for (const image of made)
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('removeImage', () => {
  const repo = `${REGISTRY}/slipway-retention-${suffix}`;

  it('removes the image from Docker and deletes its manifest from the registry', async () => {
    const image = await pushedImage(`${repo}:aaaaaaaaaaaa`);
    expect(await readManifestDigest(repo, 'aaaaaaaaaaaa')).toMatch(/^sha256:/);
    expect(await removeImage({ docker, image, registry: REGISTRY })).toEqual({ local: 'removed', registry: 'deleted' });
    expect(await exists(image)).toBe(false);
    expect(await readManifestDigest(repo, 'aaaaaaaaaaaa')).toBeNull();
    // Gone already: nothing to do, and no error.
    expect(await removeImage({ docker, image, registry: REGISTRY })).toEqual({ local: 'absent', registry: 'absent' });
  });

  it('keeps the registry’s manifest when an image that stays has the same one', async () => {
    const kept = await pushedImage(`${repo}:bbbbbbbbbbbb`);
    // Another commit whose build produced the very same image: one manifest, two tags.
    const twin = `${repo}:cccccccccccc`;
    await run('docker', ['tag', kept, twin]);
    made.add(twin);
    await run('docker', ['push', twin]);
    const keptDigests = () => readManifestDigests([kept]);
    expect(await removeImage({ docker, image: twin, registry: REGISTRY, keptDigests })).toEqual({ local: 'removed', registry: 'shared' });
    expect(await exists(kept)).toBe(true);
    expect(await readManifestDigest(repo, 'bbbbbbbbbbbb')).toMatch(/^sha256:/);
    expect(await removeImage({ docker, image: kept, registry: REGISTRY })).toEqual({ local: 'removed', registry: 'deleted' });
  });

  it('leaves an image a container uses, in Docker and in the registry', async () => {
    const image = await pushedImage(`${repo}:dddddddddddd`);
    const container = await docker.createContainer({ Image: image, Cmd: ['/data'] });
    try {
      expect(await removeImage({ docker, image, registry: REGISTRY })).toEqual({ local: 'in-use', registry: 'none' });
      expect(await exists(image)).toBe(true);
      expect(await readManifestDigest(repo, 'dddddddddddd')).toMatch(/^sha256:/);
    } finally {
      await container.remove({ force: true });
    }
    expect(await removeImage({ docker, image, registry: REGISTRY })).toEqual({ local: 'removed', registry: 'deleted' });
  });

  it('does not touch a registry for an image that was never pushed there', async () => {
    const local = `slipway/retention-${suffix}:eeeeeeeeeeee`;
    await run('docker', ['tag', await pushedImage(`${repo}:eeeeeeeeeeee`), local]);
    made.add(local);
    expect(await removeImage({ docker, image: local, registry: REGISTRY })).toEqual({ local: 'removed', registry: 'none' });
    expect(await readManifestDigest(repo, 'eeeeeeeeeeee')).toMatch(/^sha256:/);
    await removeImage({ docker, image: `${repo}:eeeeeeeeeeee`, registry: REGISTRY });
  });
});

describe('scripts/services.sh gc-registry', () => {
  it('frees the layers of deleted images in a registry it started, and starts it again', async () => {
    const state = mkdtempSync(join(dir, 'services-'));
    const addr = `127.0.0.1:${await freePort()}`;
    const env = { ...process.env, SLIPWAY_SERVICES_DIR: state, SLIPWAY_REGISTRY_ADDR: addr };
    const services = (...args: string[]) => run('bash', ['scripts/services.sh', ...args], { env });
    await services('up', 'registry');
    try {
      const image = await pushedImage(`${addr}/gc-${suffix}:ffffffffffff`, 2_000_000);
      expect(await removeImage({ docker, image, registry: addr })).toEqual({ local: 'removed', registry: 'deleted' });
      const { stdout } = await services('gc-registry');
      const m = /garbage collected: (\d+) KiB → (\d+) KiB \((\d+) blobs deleted/.exec(stdout);
      expect(m, stdout).not.toBeNull();
      // The 2 MB layer (and the image's config) are gone from the registry's storage.
      expect(Number(m![1]) - Number(m![2])).toBeGreaterThan(1900);
      expect(Number(m![3])).toBeGreaterThanOrEqual(2);
      expect(stdout).toMatch(/registry: ready at/);
      expect((await fetch(`http://${addr}/v2/`)).status).toBe(200);
    } finally {
      await services('down');
    }
  });

  it('leaves a registry it did not start alone, and says what to run where it is', async () => {
    const state = mkdtempSync(join(dir, 'services-'));
    // The shared test registry, seen from a state folder that never started it.
    writeFileSync(join(state, 'registry.yml'), 'version: 0.1\n');
    const env = { ...process.env, SLIPWAY_SERVICES_DIR: state, SLIPWAY_REGISTRY_ADDR: REGISTRY };
    const failed = await run('bash', ['scripts/services.sh', 'gc-registry'], { env }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/was not started by this script, so it is left alone; .*registry garbage-collect --delete-untagged/);
    expect((await fetch(`http://${REGISTRY}/v2/`)).status).toBe(200);
  });
});
