// People, tokens and audit entries as the API answers them (never a hash; a token's value only when it is made).
import type { Principal } from '../auth/authenticate-token.js';
import type { PersonRecord, RoleRecord } from '../store/people-store.js';
import type { TokenRecord } from '../store/tokens-store.js';

export const tokenAnswer = (t: TokenRecord) => ({
  id: t.id,
  name: t.name,
  app: t.app,
  scopes: t.scopes,
  expiresAt: t.expiresAt,
  createdAt: t.createdAt,
  lastUsedAt: t.lastUsedAt,
  lastUsedFrom: t.lastUsedFrom,
});

export const personAnswer = (p: PersonRecord, roles: readonly RoleRecord[]) => ({
  id: p.id,
  name: p.name,
  email: p.email,
  admin: p.admin,
  createdAt: p.createdAt,
  roles: roles.filter((r) => r.personId === p.id).map((r) => ({ app: r.app, role: r.role })),
});

export const principalAnswer = (p: Principal) => ({
  person: { id: p.personId, name: p.name, admin: p.grant.admin },
  roles: Object.entries(p.grant.roles).map(([app, role]) => ({ app, role })),
  token: { id: p.tokenId, name: p.tokenName, app: p.grant.onlyApp, scopes: p.grant.scopes },
});
