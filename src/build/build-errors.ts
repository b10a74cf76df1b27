// Errors of the build step. Each says what happens next: a build failure needs a person (fix the code);
// an unreachable Docker Engine does not (the reconciler retries once it is back).
import { SlipwayError } from '../shared/errors.js';

export { DockerUnreachableError } from '../shared/docker/docker-unreachable.js';

/** The Dockerfile or the code failed to build; the message carries Docker's own text. */
export class BuildError extends SlipwayError {
  /** The image the build was meant to produce, e.g. `slipway/shop:0123456789ab`. */
  readonly image: string;

  constructor(image: string, message: string, options: { cause?: unknown; needsPerson?: boolean } = {}) {
    super('BUILD_FAILED', message, options);
    this.image = image;
  }
}

/** `git archive` could not produce the commit's tree (unknown commit, broken repo, git missing). */
export class CommitArchiveError extends SlipwayError {
  readonly commit: string;

  constructor(commit: string, message: string, options: { cause?: unknown } = {}) {
    super('GIT', message, options);
    this.commit = commit;
  }
}
