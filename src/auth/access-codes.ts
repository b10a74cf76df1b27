// One-time codes that carry a signed-in person from the UI to an app's host (whose cookies the UI cannot set: a
// `localhost` or IP install has no parent domain to share). In memory: single use, short-lived, and a restart
// only means clicking again.
import { randomBytes } from 'node:crypto';
import type { AccessVia } from './access-cookie.js';

export const ACCESS_CODE_MS = 60_000;
/** Codes kept at most (old ones dropped first): a flood of sign-in redirects cannot grow memory without bound. */
const MAX_CODES = 10_000;

export interface CodeGrant {
  app: string;
  environment: string;
  via: Extract<AccessVia, { kind: 'session' }>;
}

export interface AccessCodes {
  mint(grant: CodeGrant): string;
  /** The grant once, while it is fresh; null for an unknown, used or expired code. */
  redeem(code: string): CodeGrant | null;
}

export function createAccessCodes(options: { now?: () => number; ttlMs?: number } = {}): AccessCodes {
  const now = options.now ?? Date.now;
  const ttl = options.ttlMs ?? ACCESS_CODE_MS;
  // Insertion order is expiry order (one ttl for all): sweeping stops at the first fresh one.
  const codes = new Map<string, { grant: CodeGrant; expiresAt: number }>();
  const sweep = () => {
    for (const [code, entry] of codes) {
      if (entry.expiresAt > now() && codes.size < MAX_CODES) break;
      codes.delete(code);
    }
  };
  return {
    mint(grant) {
      sweep();
      const code = `acc_${randomBytes(24).toString('base64url')}`;
      codes.set(code, { grant, expiresAt: now() + ttl });
      return code;
    },
    redeem(code) {
      const entry = codes.get(code);
      if (!entry) return null;
      codes.delete(code);
      return entry.expiresAt > now() ? entry.grant : null;
    },
  };
}
