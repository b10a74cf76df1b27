// What a failed Docker request means: the engine is not there (retry later, no person needed), or the engine
// answered with an error (the build failed; Docker's own words go into the message).
import { isSlipwayError, messageOf, type SlipwayError } from '../shared/errors.js';
import { BuildError, DockerUnreachableError } from './build-errors.js';

// Connection-level failures of the HTTP request to the engine. ENOENT/EACCES come from connect() on a unix
// socket; ECONNRESET/EPIPE/premature close mean the engine went away mid-request (stopped during a build).
const unreachableReasons: Record<string, string> = {
  ENOENT: 'the socket does not exist (is the Docker Engine running?)',
  ECONNREFUSED: 'the connection was refused (is the Docker Engine running?)',
  EACCES: 'permission denied on the socket (the user running Slipway needs access to it)',
  EPERM: 'permission denied on the socket (the user running Slipway needs access to it)',
  ECONNRESET: 'the connection was lost (did the Docker Engine stop?)',
  EPIPE: 'the connection was lost (did the Docker Engine stop?)',
  ERR_STREAM_PREMATURE_CLOSE: 'the connection was lost (did the Docker Engine stop?)',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (temporary DNS failure)',
};

/** The DockerUnreachableError for a connection failure, or undefined when `error` is something else. */
export function toDockerUnreachable(error: unknown, endpoint: string): DockerUnreachableError | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  const reason = unreachableReasons[code];
  return reason === undefined ? undefined : new DockerUnreachableError(endpoint, `${reason} (${code})`, { cause: error });
}

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
  return new BuildError(context.image, `${context.doing} failed: ${dockerErrorMessage(error)}`, { cause: error, needsPerson: context.needsPerson ?? true });
}
