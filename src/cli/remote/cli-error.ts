// Errors of the remote commands, each with a stable code and the exit code scripts rely on (README: exit codes).

/** The `slipway` command's exit codes. */
export const EXIT = {
  ok: 0,
  /** The server refused or the work failed (a conflict, a failed build, a server error). */
  failed: 1,
  /** The command line is wrong (unknown option, missing argument, a value that cannot be right). */
  usage: 2,
  /** Not logged in, or the token was refused (401/403). */
  auth: 3,
  /** The app (or build, deployment, release) does not exist. */
  notFound: 4,
  /** The server cannot be reached. */
  unreachable: 5,
} as const;

export type CliErrorCode = 'FAILED' | 'USAGE' | 'NOT_LOGGED_IN' | 'UNAUTHORIZED' | 'NOT_FOUND' | 'UNREACHABLE';

const exitOf: Record<CliErrorCode, number> = {
  FAILED: EXIT.failed,
  USAGE: EXIT.usage,
  NOT_LOGGED_IN: EXIT.auth,
  UNAUTHORIZED: EXIT.auth,
  NOT_FOUND: EXIT.notFound,
  UNREACHABLE: EXIT.unreachable,
};

export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly exitCode: number;
  /** The server's own code, when the server answered (`APP_EXISTS`, `CONFLICT`, …). */
  readonly serverCode: string | undefined;

  constructor(code: CliErrorCode, message: string, options: { serverCode?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitOf[code];
    this.serverCode = options.serverCode;
  }
}

/** What an HTTP status from the server means for the command's exit. */
export function cliErrorCodeFor(status: number): CliErrorCode {
  if (status === 401 || status === 403) return 'UNAUTHORIZED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 400) return 'USAGE';
  return 'FAILED';
}
