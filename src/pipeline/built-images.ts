// Built images as the pipeline uses them beyond building: whether one is still there, removing one, their sizes.
// The Docker Engine and the registry, unless the deps give another (tests: an in-memory set).
import { imageExists } from '../build/build-image.js';
import { readImageSizes } from '../build/read-image-sizes.js';
import { removeImage } from '../build/remove-image.js';
import { describeDockerClient } from '../shared/docker/create-docker-client.js';
import type { BuiltImages, PipelineDeps } from './deps.js';

const dockerImages: BuiltImages = {
  exists: (docker, image) => imageExists(docker, image, describeDockerClient(docker), undefined),
  remove: removeImage,
  sizes: readImageSizes,
};

export function builtImages(deps: Pick<PipelineDeps, 'images'>): BuiltImages {
  return deps.images ?? dockerImages;
}
