// The size of each tagged image the Docker Engine has, by name: what an app's images take on disk.
import type Docker from 'dockerode';
import { describeDockerClient } from '../shared/docker/create-docker-client.js';
import { classifyDockerError } from './classify-docker-error.js';

/**
 * `slipway/shop:0123456789ab` → bytes. Docker's `Size` counts every layer of the image, so layers two images share
 * (the base image above all) count in each: the sum over an app says what its images hold, not what removing them
 * would free.
 */
export async function readImageSizes(docker: Docker): Promise<Map<string, number>> {
  let images: Docker.ImageInfo[];
  try {
    images = await docker.listImages();
  } catch (e) {
    throw classifyDockerError(e, { endpoint: describeDockerClient(docker), image: '', doing: 'listing images', needsPerson: false });
  }
  const sizes = new Map<string, number>();
  for (const image of images) for (const tag of image.RepoTags ?? []) sizes.set(tag, image.Size);
  return sizes;
}
