// The one translation of a thrown error into an answer, shared by the API (JSON) and the UI (pages): status,
// stable code and a message people may read. From 500 up the message is never the error's own (a git command's
// stderr tail, a path on the server): it is a fixed sentence per code with a request id, and the error itself goes
// to the log under that id.
import { isSlipwayError, MethodNotAllowedError, type ErrorCode } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/log.js';

export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  /** From 500 up: the id the server log has the error under. */
  requestId: string | null;
  /** Headers the answer needs (Allow on a 405). */
  headers: Record<string, string>;
}

/** A service Slipway needs is away: the person can act on these, so they say which (never the error's text). */
const SERVICE_AWAY: Partial<Record<ErrorCode, string>> = {
  NO_API_KEY: "Claude is not set up on this server: set ANTHROPIC_API_KEY in the server's environment (a key from console.anthropic.com) and restart it.",
  DOCKER_UNREACHABLE: 'Slipway cannot reach Docker right now; try again once it is back (the server log says what failed).',
  KUBERNETES_UNREACHABLE: 'Slipway cannot reach Kubernetes right now; try again once it is back (the server log says what failed).',
  SHUTTING_DOWN: 'Slipway is shutting down; try again in a moment, once it is back.',
  KUBERNETES: 'Kubernetes refused what Slipway asked of it (the server log says why).',
};

/** Codes of the client errors Koa and its middleware throw (http-errors: a bad JSON body, a body too large, …). */
const HTTP_CODES: Record<number, ErrorCode> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

export function mapError(e: unknown, request: { method: string; path: string }, log: Logger): ErrorAnswer {
  const headers: Record<string, string> = e instanceof MethodNotAllowedError ? { Allow: e.allowed.join(', ') } : {};
  if (isSlipwayError(e) && e.status < 500) return { status: e.status, code: e.code, message: e.message, requestId: null, headers };
  const httpStatus = (e as { status?: unknown } | null)?.status;
  if (!isSlipwayError(e) && typeof httpStatus === 'number' && httpStatus >= 400 && httpStatus < 500) {
    return { status: httpStatus, code: HTTP_CODES[httpStatus] ?? 'INVALID_INPUT', message: (e as Error).message, requestId: null, headers };
  }
  const requestId = newId('req');
  const status = isSlipwayError(e) ? e.status : 500;
  const code = isSlipwayError(e) ? e.code : 'INTERNAL';
  const away = SERVICE_AWAY[code];
  const fields = { requestId, method: request.method, path: request.path, code, error: e };
  if (away) log.warn('request could not be served', fields);
  else log.error('request failed', fields);
  const message = away
    ? `${away} (request ${requestId})`
    : `Slipway hit an unexpected error. The details are in the server log under request ${requestId}; try again, and tell the operator if it happens again.`;
  return { status, code, message, requestId, headers };
}
