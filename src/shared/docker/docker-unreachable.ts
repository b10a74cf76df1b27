// "Docker is not reachable at …": a failed connection to the Docker Engine, shared by builds and the runtime.
// It needs no person: whatever was attempted is retried once the engine is back.
import { SlipwayError } from '../errors.js';

/** The Docker Engine could not be reached (socket missing, connection refused, no permission, connection lost). */
export class DockerUnreachableError extends SlipwayError {
  /** Where Slipway looked for Docker, e.g. `unix:///var/run/docker.sock`. */
  readonly endpoint: string;

  constructor(endpoint: string, reason: string, options: { cause?: unknown } = {}) {
    super('DOCKER_UNREACHABLE', `Docker is not reachable at ${endpoint}: ${reason}`, { cause: options.cause, needsPerson: false });
    this.endpoint = endpoint;
  }
}

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
