// Image manifests in the registry (Docker Registry HTTP API v2): the digest a tag points at, and deleting a
// manifest by digest, which is how a registry with `storage.delete.enabled` removes an image. The blobs stay until
// the registry's garbage collection runs (scripts/services.sh gc-registry for the test registry).
import { SlipwayError } from '../shared/errors.js';

/** Every manifest type Docker pushes or a registry may hold; without them a v2 registry answers an old schema. */
const ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

const TIMEOUT_MS = 10_000;

export class RegistryError extends SlipwayError {
  constructor(message: string, options: { cause?: unknown; needsPerson?: boolean } = {}) {
    super('REGISTRY', message, { needsPerson: false, ...options });
  }
}

/** `localhost:5050/team/shop` → the registry's API base and the repository's name in it (`team/shop`). */
export function registryRepository(repository: string): { base: string; name: string } {
  const slash = repository.indexOf('/');
  if (slash <= 0) throw new RegistryError(`${repository} names no registry`, { needsPerson: true });
  const host = repository.slice(0, slash);
  // As Docker does: a registry on this machine is spoken to over plain HTTP, any other over HTTPS.
  const loopback = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/.test(host);
  return { base: `${loopback ? 'http' : 'https'}://${host}/v2/${repository.slice(slash + 1)}`, name: repository.slice(slash + 1) };
}

async function ask(url: string, method: 'HEAD' | 'DELETE', signal?: AbortSignal): Promise<Response> {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  try {
    return await fetch(url, { method, headers: { Accept: ACCEPT }, redirect: 'manual', signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new RegistryError(`the registry did not answer ${method} ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, { cause: e });
  }
}

/** The digest `repository:tag` points at, or null when the registry has no such tag. */
export async function readManifestDigest(repository: string, tag: string, signal?: AbortSignal): Promise<string | null> {
  const { base } = registryRepository(repository);
  const res = await ask(`${base}/manifests/${encodeURIComponent(tag)}`, 'HEAD', signal);
  if (res.status === 404) return null;
  const digest = res.headers.get('docker-content-digest');
  if (res.status !== 200 || !digest)
    throw new RegistryError(`the registry answered ${res.status} for ${repository}:${tag}${digest ? '' : ' without a digest'}`);
  return digest;
}

/**
 * Deletes the manifest (every tag pointing at that digest goes with it). `absent`: it was not there. A registry
 * without deletes enabled answers 405, which needs a person: `storage.delete.enabled: true` in its configuration.
 */
export async function deleteManifest(repository: string, digest: string, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
  const { base } = registryRepository(repository);
  const res = await ask(`${base}/manifests/${digest}`, 'DELETE', signal);
  if (res.status === 202 || res.status === 200) return 'deleted';
  if (res.status === 404) return 'absent';
  if (res.status === 405)
    throw new RegistryError(`the registry does not allow deleting images (${repository}): enable storage.delete.enabled in its configuration`, {
      needsPerson: true,
    });
  throw new RegistryError(`the registry answered ${res.status} to deleting ${repository}@${digest}`);
}
