// How long a share link works: `1h` to `30d` (hours or days), chosen when it is made.
import { InvalidInputError } from '../shared/errors.js';

const HOUR_MS = 3600_000;
export const MIN_SHARE_MS = HOUR_MS;
export const MAX_SHARE_MS = 30 * 24 * HOUR_MS;

/** `expiresIn` as milliseconds: a whole number of hours (`12h`) or days (`7d`), from 1 hour to 30 days. */
export function parseShareExpiry(input: unknown): number {
  const m = typeof input === 'string' ? /^([1-9]\d{0,3})([hd])$/.exec(input.trim()) : null;
  if (!m) throw new InvalidInputError('expiresIn is a number of hours or days, such as "1h", "24h" or "7d" (1 hour to 30 days)');
  const ms = Number(m[1]) * (m[2] === 'd' ? 24 : 1) * HOUR_MS;
  if (ms < MIN_SHARE_MS || ms > MAX_SHARE_MS) throw new InvalidInputError('a share link works from 1 hour ("1h") to 30 days ("30d")');
  return ms;
}
