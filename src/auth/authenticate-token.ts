// Turns a presented token into who presented it: a stored token (its person's rights, narrowed by its app and
// scopes), or the one from SLIPWAY_ADMIN_TOKEN (the operator: an admin).
import type { Config } from '../config/load-config.js';
import type { Grant } from '../domain/authorize.js';
import { safeEqual } from '../shared/ids.js';
import type { Store } from '../store/create-store.js';
import { FIRST_ADMIN_ID } from '../store/people-store.js';
import type { TokenRecord } from '../store/tokens-store.js';

/** What authentication reads: the admin token from the configuration, the stored tokens and people. */
export interface AuthDeps {
  config: Pick<Config, 'adminToken'>;
  store: Pick<Store, 'tokens' | 'people' | 'signInLinks'>;
}

/** Who is asking: a person, through one token (or a sign-in link's session), with what that lets them do. */
export interface Principal {
  personId: string;
  /** The person's name: what the UI shows and the records keep as who did it. */
  name: string;
  /** The token's id: `env` for SLIPWAY_ADMIN_TOKEN, `link:ID` for a session opened by a sign-in link. */
  tokenId: string;
  tokenName: string;
  grant: Grant;
}

export const ENV_TOKEN_ID = 'env';
export const ENV_TOKEN_NAME = 'SLIPWAY_ADMIN_TOKEN';

export function envPrincipal(): Principal {
  return {
    personId: FIRST_ADMIN_ID,
    name: 'admin',
    tokenId: ENV_TOKEN_ID,
    tokenName: ENV_TOKEN_NAME,
    grant: { admin: true, roles: {}, onlyApp: null, scopes: [] },
  };
}

/** The principal of a stored token (its person must exist: tokens go with their person). */
export function principalOfToken(deps: Pick<AuthDeps, 'store'>, record: TokenRecord): Principal | null {
  const person = deps.store.people.get(record.personId);
  if (!person) return null;
  return {
    personId: person.id,
    name: person.name,
    tokenId: record.id,
    tokenName: record.name,
    grant: { admin: person.admin, roles: deps.store.people.roles(person.id), onlyApp: record.app, scopes: record.scopes },
  };
}

export function authenticateToken(deps: AuthDeps, token: string | undefined, address?: string): Principal | null {
  if (!token || token.length > 512) return null;
  const fromEnv = deps.config.adminToken;
  if (fromEnv !== undefined && safeEqual(token, fromEnv)) return envPrincipal();
  const record = deps.store.tokens.verify(token, address);
  return record ? principalOfToken(deps, record) : null;
}

/**
 * The principal behind a token id, while the token exists and has not expired: how a git hook (which gets the
 * pusher's token id from the server that spawned git, never the token) learns who pushes.
 */
export function principalOfTokenId(deps: AuthDeps, tokenId: string): Principal | null {
  if (tokenId === ENV_TOKEN_ID) return deps.config.adminToken !== undefined ? envPrincipal() : null;
  const record = deps.store.tokens.get(tokenId);
  if (!record || (record.expiresAt !== null && record.expiresAt <= new Date().toISOString())) return null;
  return principalOfToken(deps, record);
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
