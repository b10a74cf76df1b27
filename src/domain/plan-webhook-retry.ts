// What follows one delivery attempt: done, try again later (and when), or give up. Pure, so the retry rules are
// tested as a table (test/unit/domain/plan-webhook-retry.test.ts).

/** How one attempt ended. */
export type WebhookAttemptOutcome =
  /** The receiver answered (any status); `retryAfterMs` from its Retry-After header. */
  | { kind: 'answer'; status: number; retryAfterMs?: number }
  /** No answer: the connection failed, was reset or timed out. */
  | { kind: 'network'; error: string }
  /** Not sent: the URL now resolves to an address hooks may not reach (DNS changed since the hook was made). */
  | { kind: 'refused'; error: string };

export type WebhookRetryPlan = { next: 'succeeded' } | { next: 'retry'; delayMs: number } | { next: 'failed'; why: string };

/** The longest wait between two attempts. */
export const MAX_RETRY_DELAY_MS = 60 * 60_000;

/**
 * 2xx is success. A network error, a timeout, 5xx, 429 and 408 are tried again (the receiver may be back later),
 * after `baseMs` doubled per attempt (at most an hour, or longer when Retry-After asks, up to an hour), until
 * `maxAttempts` were made. Everything else (3xx: redirects are not followed; other 4xx: the receiver refused this
 * body, which would not change) fails at once, as does a refused address.
 */
export function planWebhookRetry(input: { attempt: number; maxAttempts: number; baseMs: number; outcome: WebhookAttemptOutcome }): WebhookRetryPlan {
  const { attempt, maxAttempts, baseMs, outcome } = input;
  if (outcome.kind === 'answer' && outcome.status >= 200 && outcome.status < 300) return { next: 'succeeded' };
  if (outcome.kind === 'refused') return { next: 'failed', why: outcome.error };
  if (outcome.kind === 'answer' && !isRetryableStatus(outcome.status))
    return {
      next: 'failed',
      why:
        outcome.status >= 300 && outcome.status < 400
          ? `the receiver answered ${outcome.status} (redirects are not followed)`
          : `the receiver answered ${outcome.status}`,
    };
  if (attempt >= maxAttempts) return { next: 'failed', why: `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}` };
  const backoff = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** (attempt - 1));
  const asked = outcome.kind === 'answer' ? Math.min(MAX_RETRY_DELAY_MS, outcome.retryAfterMs ?? 0) : 0;
  return { next: 'retry', delayMs: Math.max(backoff, asked) };
}

function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** Retry-After as seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
