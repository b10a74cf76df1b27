// Removes a built image from the Docker Engine and, when it was pushed, from the registry. A container that still
// uses the image (a retired one in its grace period, a job run) keeps it: nothing is forced.
import type Docker from 'dockerode';
import { describeDockerClient } from '../shared/docker/create-docker-client.js';
import { classifyDockerError } from './classify-docker-error.js';
import { deleteManifest, readManifestDigest, RegistryError } from './registry-manifests.js';

export interface RemoveImageOptions {
  docker: Docker;
  /** `slipway/shop:0123456789ab`, or `localhost:5050/shop:0123456789ab` when it was pushed to a registry. */
  image: string;
  /** SLIPWAY_REGISTRY: the image is deleted from it too when its name starts with it. */
  registry?: string | undefined;
  /**
   * Digests the registry must keep (images of the same app that stay), read once per retention pass. Deleting a
   * manifest deletes every tag pointing at it, and two commits whose build contexts do not differ (a change in a
   * file the Dockerfile never copies) get one image and so one manifest.
   */
  keptDigests?: () => Promise<ReadonlySet<string>>;
  signal?: AbortSignal;
}

export interface RemovedImage {
  /** `in-use`: a container uses it; nothing was removed. */
  local: 'removed' | 'absent' | 'in-use';
  /** `shared`: an image that stays has the same manifest; `none`: not pushed (no registry). */
  registry: 'deleted' | 'absent' | 'shared' | 'none';
}

/** Throws DockerUnreachableError when Docker is away (nothing removed), RegistryError when the registry failed. */
export async function removeImage(options: RemoveImageOptions): Promise<RemovedImage> {
  const { docker, image, signal } = options;
  let local: RemovedImage['local'];
  try {
    // Not forced, and parents pruned: an untagged layer no other image uses goes with it.
    await docker.getImage(image).remove({ ...(signal ? { abortSignal: signal } : {}) });
    local = 'removed';
  } catch (e) {
    const status = (e as { statusCode?: unknown }).statusCode;
    if (status === 404) local = 'absent';
    else if (status === 409) return { local: 'in-use', registry: 'none' };
    else throw classifyDockerError(e, { endpoint: describeDockerClient(docker), image, doing: `removing image ${image}`, needsPerson: false });
  }
  return { local, registry: await removeFromRegistry(options) };
}

/** The registry's half of removeImage: all there is with BuildKit, whose images never were in a Docker Engine. */
export async function removeFromRegistry(options: Omit<RemoveImageOptions, 'docker'>): Promise<RemovedImage['registry']> {
  const { image, signal } = options;
  const registry = options.registry?.replace(/\/+$/, '');
  const colon = image.lastIndexOf(':');
  const repository = image.slice(0, colon);
  if (!registry || !repository.startsWith(`${registry}/`)) return 'none';
  const digest = await readManifestDigest(repository, image.slice(colon + 1), signal);
  if (digest === null) return 'absent';
  if ((await options.keptDigests?.())?.has(digest)) return 'shared';
  return deleteManifest(repository, digest, signal);
}

/** The registry digests of `images` (those the registry has), for `keptDigests`. */
export async function readManifestDigests(images: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
  const digests = new Set<string>();
  for (const image of images) {
    const colon = image.lastIndexOf(':');
    const digest = await readManifestDigest(image.slice(0, colon), image.slice(colon + 1), signal);
    if (digest) digests.add(digest);
  }
  return digests;
}

export { RegistryError };
