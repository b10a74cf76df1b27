// Turns a presented token into who presented it: a stored token, or the one from SLIPWAY_ADMIN_TOKEN.
import type { Config } from '../config/load-config.js';
import { safeEqual } from '../shared/ids.js';
import type { Store } from '../store/create-store.js';

/** What authentication reads: the admin token from the configuration and the stored tokens. */
export interface AuthDeps {
  config: Pick<Config, 'adminToken'>;
  store: Pick<Store, 'tokens'>;
}

export interface Principal {
  name: string;
  role: 'admin';
}

export function authenticateToken(deps: AuthDeps, token: string | undefined): Principal | null {
  if (!token) return null;
  const fromEnv = deps.config.adminToken;
  if (fromEnv !== undefined && safeEqual(token, fromEnv)) return { name: 'admin', role: 'admin' };
  const record = deps.store.tokens.verify(token);
  return record ? { name: record.name, role: record.role } : null;
}

/** Reads `Basic base64(user:token)`; the user name is free, the password is the token. */
export function tokenFromBasic(authorization: string | undefined): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i === -1 ? undefined : decoded.slice(i + 1);
}

export function tokenFromBearer(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m?.[1];
}
