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

/**
 * A build cancelled from outside (shutdown, a newer commit): nothing is wrong with the code, so no person is needed
 * and the next pass builds it again. Its message says why, when the signal said.
 */
export function cancelledBuild(image: string, signal: AbortSignal): BuildError {
  const why = signal.reason instanceof Error ? signal.reason.message : typeof signal.reason === 'string' ? signal.reason : '';
  return new BuildError(image, `building ${image} was cancelled${why ? `: ${why}` : ''}`, { cause: signal.reason, needsPerson: false });
}
