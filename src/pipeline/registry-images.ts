// Built images when BuildKit builds them (SLIPWAY_BUILDER=buildkit): they live only in the registry, never in a
// Docker Engine, so whether one is there, removing one and their sizes are all questions for the registry.
import { removeFromRegistry } from '../build/remove-image.js';
import { readManifestDigest, readManifestSize } from '../build/registry-manifests.js';
import type { BuiltImages } from './deps.js';

const split = (image: string) => {
  const colon = image.lastIndexOf(':');
  return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
};

export const registryImages: BuiltImages = {
  exists: async (_docker, image) => {
    const { repository, tag } = split(image);
    return (await readManifestDigest(repository, tag)) !== null;
  },
  remove: async (options) => ({ local: 'absent', registry: await removeFromRegistry(options) }),
  sizes: async (_docker, images) => {
    const sizes = new Map<string, number>();
    await Promise.all(
      images.map(async (image) => {
        const { repository, tag } = split(image);
        const size = await readManifestSize(repository, tag);
        if (size !== null) sizes.set(image, size);
      }),
    );
    return sizes;
  },
};
