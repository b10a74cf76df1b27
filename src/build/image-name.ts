// The image a commit is built into: `slipway/APP:<sha12>` locally, `REGISTRY/APP:<sha12>` when a registry is set.
import { explainAppName } from '../domain/app-name.js';
import { isSha, shortSha } from '../domain/types.js';
import { InvalidInputError } from '../shared/errors.js';

/** Local images live under this repository prefix so `docker images slipway/*` lists them. */
export const LOCAL_IMAGE_PREFIX = 'slipway';

export interface ImageParts {
  /** `slipway/shop` or `localhost:5050/shop`. */
  repository: string;
  /** The first 12 hex digits of the commit. */
  tag: string;
}

export function imageParts(app: string, commit: string, registry?: string): ImageParts {
  const why = explainAppName(app);
  if (why) throw new InvalidInputError(`cannot name an image for app "${app.slice(0, 60)}": ${why}`);
  // A full commit id, so that the 12-digit tag is always taken from the same, unambiguous value.
  if (!isSha(commit)) throw new InvalidInputError(`cannot name an image for commit "${commit.slice(0, 60)}": expected 40 lowercase hex digits`);
  const prefix = registry === undefined || registry === '' ? LOCAL_IMAGE_PREFIX : registry.replace(/\/+$/, '');
  return { repository: `${prefix}/${app}`, tag: shortSha(commit) };
}

export function imageName(app: string, commit: string, registry?: string): string {
  const { repository, tag } = imageParts(app, commit, registry);
  return `${repository}:${tag}`;
}
