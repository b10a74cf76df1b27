// Issues a new token: only its hash is kept, the value is shown once to whoever asked.
import { InvalidInputError } from '../shared/errors.js';
import { newToken } from '../shared/ids.js';
import type { TokenRecord } from '../store/tokens-store.js';
import type { AuthDeps } from './authenticate-token.js';

export function createToken(deps: Pick<AuthDeps, 'store'>, name: string): { token: string; record: TokenRecord } {
  if (!/^[\w .@-]{1,60}$/.test(name)) throw new InvalidInputError('a token name has 1–60 letters, digits, spaces, ".", "@", "_" or "-"');
  const token = newToken();
  return { token, record: deps.store.tokens.add(name, token) };
}

/** On first start: an admin token unless one exists or SLIPWAY_ADMIN_TOKEN is set. Returns the value to print once. */
export function ensureAdminToken(deps: AuthDeps): string | null {
  if (deps.config.adminToken !== undefined || deps.store.tokens.count() > 0) return null;
  return createToken(deps, 'admin').token;
}
