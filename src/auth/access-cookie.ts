// The cookie an app's host gets after the access redirect or a share link: which app and environment it opens,
// who (a session's token id, or a share link's id, checked again on each request), and until when, signed with
// HMAC-SHA256 under a key kept in the data folder. Host-only: it never goes to another app's host or the UI.
import { createHmac } from 'node:crypto';
import { safeEqual } from '../shared/ids.js';

export const ACCESS_COOKIE = 'slipway_access';
/** How long a signed-in person's access lasts on one host before the redirect through the UI again. */
export const ACCESS_COOKIE_MS = 12 * 3600_000;

export type AccessVia = { kind: 'session'; name: string; tokenId: string } | { kind: 'share'; linkId: string };

export interface AccessGrant {
  app: string;
  environment: string;
  via: AccessVia;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest('base64url');

export function signAccessCookie(key: Buffer, grant: AccessGrant): string {
  const payload = Buffer.from(JSON.stringify(grant)).toString('base64url');
  return `${payload}.${mac(key, payload)}`;
}

/** The grant in a cookie value when its signature holds and it has not expired at `now`; null otherwise. */
export function readAccessCookie(key: Buffer, value: string | undefined, now: number): AccessGrant | null {
  if (!value || value.length > 2048) return null;
  const dot = value.indexOf('.');
  if (dot <= 0) return null;
  const payload = value.slice(0, dot);
  if (!safeEqual(value.slice(dot + 1), mac(key, payload))) return null;
  let grant: unknown;
  try {
    grant = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!isGrant(grant) || grant.expiresAt <= now) return null;
  return grant;
}

function isGrant(g: unknown): g is AccessGrant {
  if (!g || typeof g !== 'object') return false;
  const { app, environment, via, expiresAt } = g as Partial<AccessGrant>;
  if (typeof app !== 'string' || typeof environment !== 'string' || typeof expiresAt !== 'number' || !via) return false;
  if (via.kind === 'session') return typeof via.name === 'string' && typeof via.tokenId === 'string';
  return via.kind === 'share' && typeof via.linkId === 'string';
}
