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

/**
 * How Slipway reaches registries, set once at start-up: another address than the name images carry
 * (SLIPWAY_REGISTRY_URL: the nodes pull `registry.slipway.internal:5000/shop`, Slipway on the host speaks to
 * http://127.0.0.1:5050), and Basic-auth credentials (SLIPWAY_REGISTRY_USER/PASSWORD, the registry's htpasswd).
 */
const urls = new Map<string, string>();
const credentials = new Map<string, RegistryCredentials>();

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** Sets both for the registry's host; what is not given is forgotten (a server started again in the same process). */
export function useRegistry(registry: string, o: { url?: string | undefined; auth?: RegistryCredentials | undefined }): void {
  const host = registry.split('/')[0]!;
  if (o.url) urls.set(host, o.url.replace(/\/+$/, ''));
  else urls.delete(host);
  if (o.auth) credentials.set(host, { username: o.auth.username, password: o.auth.password });
  else credentials.delete(host);
}

/** The credentials Slipway has for the registry `host`, if any (Docker pushes and build pods use them too). */
export function registryCredentials(host: string): RegistryCredentials | undefined {
  return credentials.get(host);
}

/**
 * Where Slipway speaks to the registry `host` (`localhost:5050`): SLIPWAY_REGISTRY_URL's address when set; else, as
 * Docker does, plain HTTP for a registry on this machine and HTTPS for any other.
 */
export function registryOrigin(host: string): string {
  const loopback = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/.test(host);
  return urls.get(host) ?? `${loopback ? 'http' : 'https'}://${host}`;
}

/** `localhost:5050/team/shop` → the registry's API base and the repository's name in it (`team/shop`). */
export function registryRepository(repository: string): { base: string; name: string; host: string } {
  const slash = repository.indexOf('/');
  if (slash <= 0) throw new RegistryError(`${repository} names no registry`, { needsPerson: true });
  const host = repository.slice(0, slash);
  return { base: `${registryOrigin(host)}/v2/${repository.slice(slash + 1)}`, name: repository.slice(slash + 1), host };
}

/**
 * One request to the registry, with its credentials when it has some. A 401 is never an answer to interpret: the
 * registry wants credentials Slipway does not have, or refused the ones it has (a person fixes either).
 */
async function ask(host: string, url: string, method: 'HEAD' | 'GET' | 'DELETE', signal?: AbortSignal): Promise<Response> {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const auth = credentials.get(host);
  const authorization = auth ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` : undefined;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { Accept: ACCEPT, ...(authorization ? { Authorization: authorization } : {}) },
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new RegistryError(`the registry did not answer ${method} ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, { cause: e });
  }
  if (res.status === 401) {
    await res.body?.cancel();
    throw new RegistryError(
      authorization
        ? `the registry ${host} refused Slipway's credentials (SLIPWAY_REGISTRY_USER and SLIPWAY_REGISTRY_PASSWORD): are they in its htpasswd?`
        : `the registry ${host} asks for credentials: set SLIPWAY_REGISTRY_USER and SLIPWAY_REGISTRY_PASSWORD (an entry of its htpasswd)`,
      { needsPerson: true },
    );
  }
  return res;
}

/** Whether the registry `host` answers its API's base with Slipway's credentials (a RegistryError says why not). */
export async function pingRegistry(host: string, signal?: AbortSignal): Promise<void> {
  const url = `${registryOrigin(host)}/v2/`;
  const res = await ask(host, url, 'GET', signal);
  await res.body?.cancel();
  if (res.status !== 200) throw new RegistryError(`${url} answered ${res.status}`);
}

/** The digest `repository:tag` points at, or null when the registry has no such tag. */
export async function readManifestDigest(repository: string, tag: string, signal?: AbortSignal): Promise<string | null> {
  const { base, host } = registryRepository(repository);
  const res = await ask(host, `${base}/manifests/${encodeURIComponent(tag)}`, 'HEAD', signal);
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
  const { base, host } = registryRepository(repository);
  const res = await ask(host, `${base}/manifests/${digest}`, 'DELETE', signal);
  if (res.status === 202 || res.status === 200) return 'deleted';
  if (res.status === 404) return 'absent';
  if (res.status === 405)
    throw new RegistryError(`the registry does not allow deleting images (${repository}): enable storage.delete.enabled in its configuration`, {
      needsPerson: true,
    });
  throw new RegistryError(`the registry answered ${res.status} to deleting ${repository}@${digest}`);
}

interface Manifest {
  config?: { size?: number };
  layers?: { size?: number }[];
  manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[];
}

/**
 * What `repository:tag` holds in the registry (its config and compressed layers), or null when it has no such tag.
 * An index (several platforms) counts its linux/amd64 image, else its first. Layers shared with other images (the
 * base image) count in each, as Docker's own sizes do.
 */
export async function readManifestSize(repository: string, tag: string, signal?: AbortSignal): Promise<number | null> {
  const { base, host } = registryRepository(repository);
  const get = async (ref: string): Promise<Manifest | null> => {
    const res = await ask(host, `${base}/manifests/${encodeURIComponent(ref)}`, 'GET', signal);
    if (res.status === 404) return null;
    if (res.status !== 200) throw new RegistryError(`the registry answered ${res.status} for ${repository}:${ref}`);
    return (await res.json()) as Manifest;
  };
  let manifest = await get(tag);
  if (manifest?.manifests) {
    const pick = manifest.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ?? manifest.manifests[0];
    manifest = pick ? await get(pick.digest) : null;
  }
  if (!manifest) return null;
  return (manifest.config?.size ?? 0) + (manifest.layers ?? []).reduce((sum, l) => sum + (l.size ?? 0), 0);
}
