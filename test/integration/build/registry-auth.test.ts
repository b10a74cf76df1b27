// A registry that asks for credentials (htpasswd, as k8s/bootstrap/30-registry.yaml runs it): with
// SLIPWAY_REGISTRY_USER and SLIPWAY_REGISTRY_PASSWORD, Docker pushes and Slipway's own reads and deletes get in;
// without them, or with wrong ones, the error says which setting to fix and that a person must (no retry helps).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushImage } from '../../../src/build/push-image.js';
import { deleteManifest, pingRegistry, readManifestDigest, readManifestSize, RegistryError, useRegistry } from '../../../src/build/registry-manifests.js';
import { createDockerClient } from '../../../src/shared/docker/create-docker-client.js';
import type { LineLog } from '../../../src/shared/line-log.js';
import { startHtpasswdRegistry, type HtpasswdRegistry } from '../../helpers/htpasswd-registry.js';

const run = promisify(execFile);
const docker = createDockerClient({});
const dir = mkdtempSync(join(tmpdir(), 'slipway-registry-auth-'));
let registry: HtpasswdRegistry;
let repository: string;
const tag = randomBytes(6).toString('hex');

const lines = () => {
  const seen: string[] = [];
  const log: LineLog = {
    write: (t) => void seen.push(...t.split('\n').filter(Boolean)),
    line: (l) => void seen.push(l),
    verdict: (l) => void seen.push(l),
    close: () => undefined,
  };
  return { seen, log };
};

beforeAll(async () => {
  registry = await startHtpasswdRegistry();
  repository = `${registry.host}/auth-test`;
  writeFileSync(join(dir, 'data'), randomBytes(2048));
  await run('tar', ['-cf', join(dir, 'image.tar'), '-C', dir, 'data']);
  await run('docker', ['import', join(dir, 'image.tar'), `${repository}:${tag}`]);
});

afterAll(async () => {
  await run('docker', ['rmi', '-f', `${repository}:${tag}`]).catch(() => undefined);
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<RegistryError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RegistryError);
  return e as RegistryError;
}

describe('a registry with htpasswd authentication', () => {
  it('without credentials: Slipway says which settings it needs, and Docker cannot push', async () => {
    const asked = await refusal(readManifestDigest(repository, tag));
    expect(asked.message).toBe(
      `the registry ${registry.host} asks for credentials: set SLIPWAY_REGISTRY_USER and SLIPWAY_REGISTRY_PASSWORD (an entry of its htpasswd)`,
    );
    expect(asked.needsPerson).toBe(true);
    const { seen, log } = lines();
    const pushed = await pushImage({ docker, repository, tag, log }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(pushed?.message).toMatch(/no basic auth credentials|unauthorized|authentication required/i);
    expect(seen.join('\n')).toMatch(/error: /);
  });

  it('with wrong credentials: refused, and the password is not in the message', async () => {
    const other = `127.0.0.1:${registry.port}`;
    // The same registry by another name, with a wrong password: each name has its own credentials.
    const wrongName = other.replace('127.0.0.1', 'localhost');
    useRegistry(wrongName, { auth: { username: registry.username, password: 'not-the-password-at-all' } });
    const refused = await refusal(pingRegistry(wrongName));
    expect(refused.message).toBe(
      `the registry ${wrongName} refused Slipway's credentials (SLIPWAY_REGISTRY_USER and SLIPWAY_REGISTRY_PASSWORD): are they in its htpasswd?`,
    );
    expect(refused.needsPerson).toBe(true);
  });

  it('with its credentials: Docker pushes, Slipway reads the digest and size, and deletes the image', async () => {
    useRegistry(repository, { auth: { username: registry.username, password: registry.password } });
    await pingRegistry(registry.host);
    expect(await readManifestDigest(repository, 'no-such-tag')).toBeNull();
    const { seen, log } = lines();
    await pushImage({ docker, repository, tag, log });
    expect(seen[0]).toBe(`pushing ${repository}:${tag}`);
    const digest = await readManifestDigest(repository, tag);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await readManifestSize(repository, tag)).toBeGreaterThan(2048);
    // Anyone else is still refused: the credentials went only with Slipway's requests.
    expect((await fetch(`http://${registry.host}/v2/auth-test/manifests/${tag}`, { method: 'HEAD' })).status).toBe(401);
    expect(await deleteManifest(repository, digest!)).toBe('deleted');
    expect(await readManifestDigest(repository, tag)).toBeNull();
  });
});
