// Issues tokens and sign-in links: only their hashes are kept, the value is shown once to whoever asked. What a
// token is narrowed to (one app, scopes) and when it expires is checked here.
import { isScope, type Scope } from '../domain/authorize.js';
import { ConflictError, InvalidInputError } from '../shared/errors.js';
import { newToken } from '../shared/ids.js';
import { FIRST_ADMIN_ID } from '../store/people-store.js';
import type { SignInLinkRecord } from '../store/sign-in-links-store.js';
import type { TokenRecord } from '../store/tokens-store.js';
import type { AuthDeps } from './authenticate-token.js';

export interface TokenRequest {
  name: unknown;
  personId: string;
  app?: unknown;
  scopes?: unknown;
  /** Days until it expires (none: it does not). */
  expiresDays?: unknown;
}

const NAME = /^[\w .@-]{1,60}$/;
const MAX_DAYS = 3650;

export function checkTokenName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new InvalidInputError('a token name has 1–60 letters, digits, spaces, ".", "@", "_" or "-"');
  return name;
}

export function checkScopes(scopes: unknown): Scope[] {
  if (scopes === undefined || scopes === null || scopes === '') return [];
  const list = typeof scopes === 'string' ? scopes.split(/[\s,]+/).filter(Boolean) : scopes;
  if (!Array.isArray(list)) throw new InvalidInputError('scopes is a list: read, git:push, metrics');
  const bad = list.find((s) => !isScope(s));
  if (bad !== undefined) throw new InvalidInputError(`unknown scope "${String(bad).slice(0, 40)}": the scopes are read, git:push and metrics`);
  return [...new Set(list as Scope[])];
}

export function expiryOf(days: unknown, now = new Date()): string | null {
  if (days === undefined || days === null || days === '') return null;
  const n = typeof days === 'string' ? Number(days) : days;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_DAYS)
    throw new InvalidInputError(`expires is a whole number of days from 1 to ${MAX_DAYS}`);
  return new Date(now.getTime() + n * 86_400_000).toISOString();
}

/** `app` must be checked (an existing app) by the caller; names are unique per person. */
export function createToken(deps: Pick<AuthDeps, 'store'>, request: TokenRequest & { app?: string | null }): { token: string; record: TokenRecord } {
  const name = checkTokenName(request.name);
  const scopes = checkScopes(request.scopes);
  const expiresAt = expiryOf(request.expiresDays);
  if (deps.store.tokens.list(request.personId).some((t) => t.name === name))
    throw new ConflictError(`there is already a token named ${name}: pick another name or revoke it first`);
  const token = newToken();
  return { token, record: deps.store.tokens.add({ name, personId: request.personId, app: request.app ?? null, scopes, expiresAt }, token) };
}

/** A one-time sign-in link's secret (the URL is the UI's /sign-in/link/SECRET), valid `minutes`. */
export function createSignInLink(
  deps: Pick<AuthDeps, 'store'>,
  personId: string,
  createdBy: string,
  minutes: number,
): { secret: string; record: SignInLinkRecord } {
  const secret = newToken(); // slw_: the redactor hides it in logs like a token
  const expiresAt = new Date(Date.now() + minutes * 60_000).toISOString();
  return { secret, record: deps.store.signInLinks.add({ personId, createdBy, expiresAt }, secret) };
}

/** On first start: an admin token (the person "admin"'s) unless one exists or SLIPWAY_ADMIN_TOKEN is set. Returns the value to print once. */
export function ensureAdminToken(deps: AuthDeps): string | null {
  if (deps.config.adminToken !== undefined || deps.store.tokens.count() > 0) return null;
  const admin = deps.store.people.get(FIRST_ADMIN_ID) ?? deps.store.people.list().find((p) => p.admin) ?? deps.store.people.add({ name: 'admin', admin: true });
  const token = newToken();
  deps.store.tokens.add({ name: 'admin', personId: admin.id }, token);
  return token;
}
