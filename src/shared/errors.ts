// Errors with stable codes. One Koa middleware and the CLI turn them into answers; nothing swallows them.

export type ErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_APP_NAME'
  | 'UNKNOWN_TEMPLATE'
  | 'APP_EXISTS'
  | 'INVALID_DOMAIN'
  | 'DOMAIN_TAKEN'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'CONFIG'
  | 'GIT'
  | 'EXEC'
  | 'DOCKER_UNREACHABLE'
  | 'KUBERNETES'
  | 'KUBERNETES_UNREACHABLE'
  | 'REGISTRY'
  | 'BUILD_FAILED'
  | 'DEPLOY_FAILED'
  | 'NO_API_KEY'
  | 'SHUTTING_DOWN'
  | 'INTERNAL'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'TOO_MANY_STREAMS'
  | 'TOO_MANY_SESSIONS'
  | 'BACKUP_REFUSED'
  | 'WEBHOOK_URL_REFUSED'
  | 'NEEDS_DOCKER_RUNTIME';

const statusOf: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  INVALID_APP_NAME: 400,
  UNKNOWN_TEMPLATE: 400,
  APP_EXISTS: 409,
  INVALID_DOMAIN: 400,
  DOMAIN_TAKEN: 409,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  CONFIG: 500,
  GIT: 500,
  EXEC: 500,
  DOCKER_UNREACHABLE: 503,
  KUBERNETES: 502,
  KUBERNETES_UNREACHABLE: 503,
  REGISTRY: 502,
  BUILD_FAILED: 422,
  DEPLOY_FAILED: 422,
  NO_API_KEY: 503,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
  METHOD_NOT_ALLOWED: 405,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_STREAMS: 429,
  TOO_MANY_SESSIONS: 429,
  BACKUP_REFUSED: 422,
  WEBHOOK_URL_REFUSED: 400,
  NEEDS_DOCKER_RUNTIME: 422,
};

export class SlipwayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Whether a person must act (false: the system retries later by itself). */
  readonly needsPerson: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; needsPerson?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = statusOf[code];
    this.needsPerson = options.needsPerson ?? true;
  }
}

export class InvalidInputError extends SlipwayError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

export class InvalidAppNameError extends SlipwayError {
  constructor(message: string) {
    super('INVALID_APP_NAME', message);
  }
}

export class InvalidDomainError extends SlipwayError {
  constructor(message: string) {
    super('INVALID_DOMAIN', message);
  }
}

export class NotFoundError extends SlipwayError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class ConflictError extends SlipwayError {
  constructor(message: string, code: 'CONFLICT' | 'APP_EXISTS' | 'DOMAIN_TAKEN' = 'CONFLICT') {
    super(code, message);
  }
}

export class UnauthorizedError extends SlipwayError {
  constructor(message = 'a valid token is required') {
    super('UNAUTHORIZED', message);
  }
}

export class ForbiddenError extends SlipwayError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class TooManyStreamsError extends SlipwayError {
  constructor(message: string) {
    super('TOO_MANY_STREAMS', message);
  }
}

/** SLIPWAY_MAX_CLAUDE_SESSIONS are open: another opens when one ends. */
export class TooManySessionsError extends SlipwayError {
  constructor(message: string) {
    super('TOO_MANY_SESSIONS', message);
  }
}

export class ConfigError extends SlipwayError {
  constructor(message: string) {
    super('CONFIG', message);
  }
}

export class ExecError extends SlipwayError {
  readonly exitCode: number | null;
  readonly stderrTail: string;
  constructor(command: string, exitCode: number | null, stderrTail: string) {
    super('EXEC', `${command} exited with ${exitCode ?? 'a signal'}${stderrTail ? `: ${stderrTail}` : ''}`);
    this.exitCode = exitCode;
    this.stderrTail = stderrTail;
  }
}

/** A backup that cannot be restored (corrupt, from a newer Slipway) or a folder it cannot be restored into. */
export class BackupRefusedError extends SlipwayError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('BACKUP_REFUSED', message, options);
  }
}

/** A webhook URL whose host is, or resolves to, an address hooks may not reach (SSRF), unless an admin allows it. */
export class WebhookUrlRefusedError extends SlipwayError {
  constructor(message: string) {
    super('WEBHOOK_URL_REFUSED', message);
  }
}

/** What only the Docker runtime does so far (protected previews: Slipway's own proxy checks access; Traefik does not yet). */
export class NeedsDockerRuntimeError extends SlipwayError {
  constructor(message: string) {
    super('NEEDS_DOCKER_RUNTIME', message);
  }
}

export class MethodNotAllowedError extends SlipwayError {
  /** The methods the path does answer (the Allow header). */
  readonly allowed: string[];
  constructor(method: string, path: string, allowed: string[]) {
    super('METHOD_NOT_ALLOWED', `method not allowed: ${path} answers ${allowed.join(', ')}, not ${method}`);
    this.allowed = allowed;
  }
}

export class UnsupportedMediaTypeError extends SlipwayError {
  constructor(message: string) {
    super('UNSUPPORTED_MEDIA_TYPE', message);
  }
}

export function isSlipwayError(e: unknown): e is SlipwayError {
  return e instanceof SlipwayError;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
