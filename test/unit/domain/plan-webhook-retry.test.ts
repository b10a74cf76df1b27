// The retry rules of webhook deliveries as a table: what follows each kind of answer, and the backoff.
import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, parseRetryAfter, planWebhookRetry, type WebhookAttemptOutcome } from '../../../src/domain/plan-webhook-retry.js';

const plan = (attempt: number, outcome: WebhookAttemptOutcome) => planWebhookRetry({ attempt, maxAttempts: 5, baseMs: 15_000, outcome });

describe('planWebhookRetry', () => {
  it.each<[string, number, WebhookAttemptOutcome, ReturnType<typeof plan>]>([
    ['200 succeeds', 1, { kind: 'answer', status: 200 }, { next: 'succeeded' }],
    ['204 succeeds', 3, { kind: 'answer', status: 204 }, { next: 'succeeded' }],
    ['500 waits the base', 1, { kind: 'answer', status: 500 }, { next: 'retry', delayMs: 15_000 }],
    ['503 doubles per attempt', 3, { kind: 'answer', status: 503 }, { next: 'retry', delayMs: 60_000 }],
    ['429 is retried', 2, { kind: 'answer', status: 429 }, { next: 'retry', delayMs: 30_000 }],
    ['408 is retried', 1, { kind: 'answer', status: 408 }, { next: 'retry', delayMs: 15_000 }],
    ['a network error is retried', 1, { kind: 'network', error: 'ECONNREFUSED' }, { next: 'retry', delayMs: 15_000 }],
    ['Retry-After longer than the backoff wins', 1, { kind: 'answer', status: 429, retryAfterMs: 120_000 }, { next: 'retry', delayMs: 120_000 }],
    ['Retry-After shorter than the backoff does not', 2, { kind: 'answer', status: 503, retryAfterMs: 1_000 }, { next: 'retry', delayMs: 30_000 }],
    ['the last attempt gives up', 5, { kind: 'answer', status: 500 }, { next: 'failed', why: 'gave up after 5 attempts' }],
    ['404 fails at once', 1, { kind: 'answer', status: 404 }, { next: 'failed', why: 'the receiver answered 404' }],
    ['401 fails at once', 1, { kind: 'answer', status: 401 }, { next: 'failed', why: 'the receiver answered 401' }],
    ['a redirect is not followed', 1, { kind: 'answer', status: 301 }, { next: 'failed', why: 'the receiver answered 301 (redirects are not followed)' }],
    ['a refused address fails at once', 1, { kind: 'refused', error: 'x is a private address' }, { next: 'failed', why: 'x is a private address' }],
  ])('%s', (_what, attempt, outcome, expected) => {
    expect(plan(attempt, outcome)).toEqual(expected);
  });

  it('never waits more than an hour, whatever the attempt or Retry-After', () => {
    expect(planWebhookRetry({ attempt: 15, maxAttempts: 20, baseMs: 15_000, outcome: { kind: 'network', error: 'timeout' } })).toEqual({
      next: 'retry',
      delayMs: MAX_RETRY_DELAY_MS,
    });
    expect(planWebhookRetry({ attempt: 1, maxAttempts: 20, baseMs: 15_000, outcome: { kind: 'answer', status: 429, retryAfterMs: 86_400_000 } })).toEqual({
      next: 'retry',
      delayMs: MAX_RETRY_DELAY_MS,
    });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-05-01T12:00:00Z');
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 01 May 2026 12:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Fri, 01 May 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
