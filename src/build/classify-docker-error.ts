// What a failed Docker request means: the engine is not there (retry later, no person needed), or the engine
// answered with an error (the build failed; Docker's own words go into the message).
import { isSlipwayError, messageOf, type SlipwayError } from '../shared/errors.js';
import { toDockerUnreachable } from '../shared/docker/docker-unreachable.js';
import { BuildError } from './build-errors.js';
import { isTransientMessage } from '../shared/classify-failure.js';

export { toDockerUnreachable };

/** Docker's own message from a dockerode error: "(HTTP code 400) unexpected - dockerfile parse error …" → "dockerfile parse error …". */
export function dockerErrorMessage(error: unknown): string {
  const json = (error as { json?: unknown } | undefined)?.json;
  if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message.trim();
  }
  const text = messageOf(error).trim();
  const m = /^\(HTTP code \d+\) [^-]*- ([\s\S]*)$/.exec(text);
  return (m?.[1] ?? text).trim();
}

/** Turns any failure of a Docker request made for `image` into a SlipwayError (SlipwayErrors pass through). */
export function classifyDockerError(error: unknown, context: { endpoint: string; image: string; doing: string; needsPerson?: boolean }): SlipwayError {
  if (isSlipwayError(error)) return error;
  const unreachable = toDockerUnreachable(error, context.endpoint);
  if (unreachable) return unreachable;
  const message = dockerErrorMessage(error);
  return new BuildError(context.image, `${context.doing} failed: ${message}`, {
    cause: error,
    needsPerson: context.needsPerson ?? !isTransientMessage(message),
  });
}
