import { describe, expect, it } from 'vitest';
import { isCertifiableHost, MAX_RETRY_MS, renewalTime, retryDelay } from '../../../src/domain/certificate-renewal.js';

const DAY = 24 * 3600 * 1000;
const at = (days: number) => new Date(Date.UTC(2026, 0, 1) + days * DAY);

describe('renewalTime', () => {
  it('is 30 days before the end of a 90-day certificate (a third of its life left)', () => {
    expect(renewalTime(at(0), at(90))).toEqual(at(60));
  });
  it('is 30 days before the end of a long certificate', () => {
    expect(renewalTime(at(0), at(365))).toEqual(at(335));
  });
  it('leaves a third of a short certificate’s life', () => {
    expect(renewalTime(at(0), at(6))).toEqual(at(4));
  });
});

describe('retryDelay', () => {
  it('doubles from the first wait and stops at six hours', () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(n, 60_000))).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(retryDelay(40, 60_000)).toBe(MAX_RETRY_MS);
  });
});

describe('isCertifiableHost', () => {
  it.each(['example.com', 'app-preview.slipway.test', 'a.b.c.example'])('%s can have a certificate', (h) => expect(isCertifiableHost(h)).toBe(true));
  it.each(['localhost', 'x.localhost', '127.0.0.1', '::1', 'intranet', '-bad.example', 'a..b', `${'a'.repeat(64)}.example`])('%s cannot', (h) =>
    expect(isCertifiableHost(h)).toBe(false),
  );
});
