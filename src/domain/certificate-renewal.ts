// When a certificate is renewed, and how long a failed order waits before the next try: pure rules.

const DAY_MS = 24 * 3600 * 1000;
/** The longest wait between tries of a failing order. */
export const MAX_RETRY_MS = 6 * 3600 * 1000;

/**
 * When to renew: 30 days before expiry, or with a third of its lifetime left when that is later (a 6-day
 * certificate is renewed after 4 days, a 90-day one after 60, a 5-year one 30 days before it ends).
 */
export function renewalTime(notBefore: Date, notAfter: Date): Date {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  return new Date(notAfter.getTime() - Math.min(30 * DAY_MS, lifetime / 3));
}

/** Wait before try `attempt` + 1 after `attempt` failures: `firstMs`, doubling, at most 6 hours. */
export function retryDelay(failures: number, firstMs: number): number {
  return Math.min(MAX_RETRY_MS, firstMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

/** A host name a public CA could issue for: a DNS name of two labels or more, not an address, not localhost. */
export function isCertifiableHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || /^[\d.]+$/.test(h) || h.includes(':')) return false;
  return /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(h);
}
