// Failures classified once: what happens next after something failed. Retryable — the Docker Engine, a registry
// or the cluster could not be reached, a name did not resolve, a pull timed out, Slipway shut down mid-way — is
// tried again on its own, never sent to Claude as a bug and never blocks a publish for good. Everything the code
// or its configuration caused — a broken Dockerfile, a failing command, a failing health check — needs a person
// (or the fix loop). Builds, deploys, the fix loop and the production rule all read the answer from here.
import { SlipwayError, messageOf } from './errors.js';

export type FailureClass = 'retryable' | 'needs-person';

/**
 * Network words in Docker's, a registry's or Node's own messages. A failing build step is reported as
 * "returned a non-zero code" whatever its output said, so these never match a command the code ran.
 */
const TRANSIENT = [
  /no such host/i,
  /temporary failure in name resolution/i,
  /server misbehaving/i,
  /i\/o timeout/i,
  /TLS handshake timeout/i,
  /connection (refused|reset by peer)/i,
  /network is unreachable/i,
  /\b(EAI_AGAIN|ENOTFOUND|ETIMEDOUT|ECONNRESET|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH)\b/,
  /toomanyrequests/i,
  /\b(502 Bad Gateway|503 Service Unavailable|504 Gateway Time-?out)\b/i,
  /context deadline exceeded/i,
  /Client\.Timeout exceeded/i,
  /net\/http: request canceled/i,
];

/** Whether a failure's own text says the network, not the code, failed. */
export function isTransientMessage(text: string): boolean {
  if (/returned a non-zero code/.test(text)) return false;
  return TRANSIENT.some((re) => re.test(text));
}

/**
 * `cancelled`: the work was cut short from outside (shutdown, a newer commit, the app being deleted). Errors of
 * Slipway's own kind say it themselves; anything else that is not the network is a person's to look at.
 */
export function classifyFailure(error: unknown, cancelled = false): FailureClass {
  if (cancelled) return 'retryable';
  if (isTransientMessage(messageOf(error))) return 'retryable';
  if (error instanceof SlipwayError) return error.needsPerson ? 'needs-person' : 'retryable';
  if (error instanceof Error && error.name === 'AbortError') return 'retryable';
  return 'needs-person';
}

export function needsPerson(error: unknown, cancelled = false): boolean {
  return classifyFailure(error, cancelled) === 'needs-person';
}
