// Browser sessions: signing in with a token (or a one-time link) keeps a claim in the signed cookie (never the
// token itself), and each request checks that what is behind it still exists, so revoking a token signs its
// sessions out, and removing a person signs out their link sessions.
import { hashToken, safeEqual } from '../shared/ids.js';
import { authenticateToken, principalOfTokenId, type AuthDeps, type Principal } from './authenticate-token.js';

export interface SessionClaim {
  name: string;
  /** A stored token's id, `env:` and a fingerprint of SLIPWAY_ADMIN_TOKEN, or `link:` and a sign-in link's id. */
  tokenId: string;
  /** Set for link sessions: whose session it is. */
  personId?: string;
  signedInAt: string;
}

const envFingerprint = (token: string) => `env:${hashToken(token).slice(0, 24)}`;

export function signInWithToken(deps: AuthDeps, token: unknown, address?: string): SessionClaim | null {
  if (typeof token !== 'string') return null;
  const trimmed = token.trim();
  if (trimmed === '' || trimmed.length > 512) return null;
  const principal = authenticateToken(deps, trimmed, address);
  if (!principal) return null;
  const env = deps.config.adminToken;
  const tokenId = principal.tokenId === 'env' && env !== undefined && safeEqual(trimmed, env) ? envFingerprint(env) : principal.tokenId;
  return { name: principal.name, tokenId, signedInAt: new Date().toISOString() };
}

/** Uses a one-time sign-in link (once: a second use, or one after its expiry, is null). */
export function signInWithLink(deps: AuthDeps, secret: unknown): SessionClaim | null {
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > 200) return null;
  const link = deps.store.signInLinks.use(secret);
  const person = link && deps.store.people.get(link.personId);
  if (!link || !person) return null;
  return { name: person.name, tokenId: `link:${link.id}`, personId: person.id, signedInAt: new Date().toISOString() };
}

export function checkSession(deps: AuthDeps, claim: unknown): Principal | null {
  if (!claim || typeof claim !== 'object') return null;
  const { name, tokenId, personId } = claim as Partial<SessionClaim>;
  if (typeof name !== 'string' || typeof tokenId !== 'string') return null;
  if (tokenId.startsWith('env:')) {
    const env = deps.config.adminToken;
    return env !== undefined && envFingerprint(env) === tokenId ? principalOfTokenId(deps, 'env') : null;
  }
  if (tokenId.startsWith('link:')) {
    const person = typeof personId === 'string' ? deps.store.people.get(personId) : undefined;
    if (!person) return null;
    const grant = { admin: person.admin, roles: deps.store.people.roles(person.id), onlyApp: null, scopes: [] };
    return { personId: person.id, name: person.name, tokenId, tokenName: 'sign-in link', grant };
  }
  if (tokenId === 'env') return null;
  return principalOfTokenId(deps, tokenId);
}
