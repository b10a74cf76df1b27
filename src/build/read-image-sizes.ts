// The size of each tagged image the Docker Engine has, by name: what an app's images take on disk.
import type Docker from 'dockerode';
import { describeDockerClient } from '../shared/docker/create-docker-client.js';
import { classifyDockerError } from './classify-docker-error.js';

/** Up to this many images are looked up one by one; more, and one listing of every image is cheaper. */
const ONE_BY_ONE = 32;

/**
 * `slipway/shop:0123456789ab` → bytes, for `images` (those Docker has). Docker's `Size` counts every layer of the
 * image, so layers two images share (the base image above all) count in each: the sum over an app says what its
 * images hold, not what removing them would free. Listing every image costs Docker 20.10 about 0.35 s with 750
 * images on this machine (it sizes them all, filters or not), one lookup 20–60 ms: a few are looked up in parallel.
 */
export async function readImageSizes(docker: Docker, images: readonly string[]): Promise<Map<string, number>> {
  const failure = (e: unknown) =>
    classifyDockerError(e, { endpoint: describeDockerClient(docker), image: '', doing: 'reading image sizes', needsPerson: false });
  const sizes = new Map<string, number>();
  if (images.length <= ONE_BY_ONE) {
    await Promise.all(
      images.map(async (image) => {
        try {
          sizes.set(image, (await docker.getImage(image).inspect()).Size);
        } catch (e) {
          if ((e as { statusCode?: unknown }).statusCode !== 404) throw failure(e);
        }
      }),
    );
    return sizes;
  }
  let all: Docker.ImageInfo[];
  try {
    all = await docker.listImages();
  } catch (e) {
    throw failure(e);
  }
  const wanted = new Set(images);
  for (const image of all) for (const tag of image.RepoTags ?? []) if (wanted.has(tag)) sizes.set(tag, image.Size);
  return sizes;
}
