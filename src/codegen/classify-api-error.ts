// Turns what the SDK throws into a failure a person understands, and says whether the turn that
// failed may be tried again as a whole (only when the reply broke off after it had started:
// the SDK has already retried everything that failed before a stream began).
import Anthropic from '@anthropic-ai/sdk';

export type GenerationFailureCode =
  'NO_API_KEY' | 'KEY_REFUSED' | 'RATE_LIMITED' | 'OVERLOADED' | 'UNREACHABLE' | 'TURN_CAP' | 'TOKEN_CAP' | 'REFUSED' | 'ABORTED' | 'API_ERROR';

export interface GenerationFailure {
  code: GenerationFailureCode;
  message: string;
}

export { NO_API_KEY_MESSAGE } from './no-api-key.js';

export interface ApiErrorContext {
  /** After the HTTP 200 and the first events of a reply (a mid-stream failure). */
  streamStarted: boolean;
  /** Requests made for this turn, for "tried 3 times". */
  attempts: number;
  baseURL: string;
  model: string;
}

export interface ClassifiedApiError extends GenerationFailure {
  /** Worth sending the whole turn again. */
  retryTurn: boolean;
}

/** Returns null for errors that are not the API's (bugs and faults in Slipway), which the caller rethrows. */
export function classifyApiError(error: unknown, ctx: ApiErrorContext): ClassifiedApiError | null {
  const tried = ctx.attempts > 1 ? ` (tried ${ctx.attempts} times)` : '';
  const detail = (e: InstanceType<typeof Anthropic.APIError>) => (e.apiMessage ? `: ${e.apiMessage}` : '');

  if (error instanceof Anthropic.APIUserAbortError) return { code: 'ABORTED', message: 'the generation was stopped', retryTurn: false };
  if (error instanceof Anthropic.APIConnectionTimeoutError) {
    return { code: 'UNREACHABLE', message: `the Anthropic API at ${ctx.baseURL} did not answer in time${tried}`, retryTurn: false };
  }
  if (error instanceof Anthropic.APIConnectionError) {
    const cause = error.cause instanceof Error ? describeCause(error.cause) : '';
    return { code: 'UNREACHABLE', message: `cannot reach the Anthropic API at ${ctx.baseURL}${cause ? ` (${cause})` : ''}${tried}`, retryTurn: false };
  }
  if (error instanceof Anthropic.APIError) {
    if (error.status === undefined) {
      // An `event: error` inside a 200 stream: the API gave up on this reply, so the SDK did not retry it.
      const code = error.type === 'overloaded_error' ? 'OVERLOADED' : error.type === 'rate_limit_error' ? 'RATE_LIMITED' : 'API_ERROR';
      const what =
        code === 'OVERLOADED'
          ? 'the Anthropic API is overloaded'
          : code === 'RATE_LIMITED'
            ? 'the Anthropic API rate limit was reached'
            : `the Anthropic API failed${error.type ? ` (${error.type})` : ''}`;
      return { code, message: `${what} while Claude was replying${detail(error)}${tried}; try again in a few minutes`, retryTurn: true };
    }
    if (error.status === 401) {
      return {
        code: 'KEY_REFUSED',
        message: "the API key was refused (401): check ANTHROPIC_API_KEY in the server's environment and restart it",
        retryTurn: false,
      };
    }
    if (error.status === 403) {
      return { code: 'KEY_REFUSED', message: `the API key was refused for this request (403)${detail(error)}`, retryTurn: false };
    }
    if (error.status === 429) {
      return { code: 'RATE_LIMITED', message: `the Anthropic API rate limit was reached${tried}; try again in a minute${detail(error)}`, retryTurn: false };
    }
    if (error.status === 529) {
      return { code: 'OVERLOADED', message: `the Anthropic API is overloaded${tried}; try again in a few minutes`, retryTurn: false };
    }
    if (error.status === 404) {
      return {
        code: 'API_ERROR',
        message: `the Anthropic API answered 404${detail(error)}; check that SLIPWAY_MODEL ("${ctx.model}") is a model this key can use`,
        retryTurn: false,
      };
    }
    if (error.status >= 500) return { code: 'API_ERROR', message: `the Anthropic API failed with ${error.status}${detail(error)}${tried}`, retryTurn: false };
    return { code: 'API_ERROR', message: `the Anthropic API refused the request (${error.status})${detail(error)}`, retryTurn: false };
  }
  if (error instanceof Anthropic.AnthropicError && ctx.streamStarted) {
    // The connection broke or the stream ended early: the reply is incomplete, so the turn is redone.
    return { code: 'UNREACHABLE', message: `the connection to the Anthropic API broke while Claude was replying (${error.message})${tried}`, retryTurn: true };
  }
  return null;
}

function describeCause(cause: Error): string {
  // undici wraps the socket error: "fetch failed" ← "connect ECONNREFUSED 127.0.0.1:9".
  const inner = cause.cause instanceof Error ? cause.cause : cause;
  const code = (inner as NodeJS.ErrnoException).code;
  return code ? `${code}` : inner.message;
}
