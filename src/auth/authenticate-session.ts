// Browser sessions: signing in with a token keeps a claim in the signed cookie (never the token itself), and
// each request checks that the token behind it still exists, so revoking a token signs its sessions out.
import { hashToken, safeEqual } from '../shared/ids.js';
import { authenticateToken, type AuthDeps, type Principal } from './authenticate-token.js';

export interface SessionClaim {
  name: string;
  /** A stored token's id, or `env:` and a fingerprint of SLIPWAY_ADMIN_TOKEN. */
  tokenId: string;
  signedInAt: string;
}

const envFingerprint = (token: string) => `env:${hashToken(token).slice(0, 24)}`;

export function signInWithToken(deps: AuthDeps, token: unknown): SessionClaim | null {
  if (typeof token !== 'string') return null;
  const trimmed = token.trim();
  if (trimmed === '' || trimmed.length > 512) return null;
  const principal = authenticateToken(deps, trimmed);
  if (!principal) return null;
  const stored = deps.store.tokens.verify(trimmed);
  const env = deps.config.adminToken;
  const tokenId = stored ? stored.id : env !== undefined && safeEqual(trimmed, env) ? envFingerprint(env) : null;
  return tokenId ? { name: principal.name, tokenId, signedInAt: new Date().toISOString() } : null;
}

export function checkSession(deps: AuthDeps, claim: unknown): Principal | null {
  if (!claim || typeof claim !== 'object') return null;
  const { name, tokenId } = claim as Partial<SessionClaim>;
  if (typeof name !== 'string' || typeof tokenId !== 'string') return null;
  if (tokenId.startsWith('env:')) {
    const env = deps.config.adminToken;
    return env !== undefined && envFingerprint(env) === tokenId ? { name, role: 'admin' } : null;
  }
  return deps.store.tokens.list().some((t) => t.id === tokenId) ? { name, role: 'admin' } : null;
}
