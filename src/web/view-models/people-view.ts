// The settings page of people and tokens: the signed-in person's own tokens, and (for admins) every person with
// their roles and tokens. A token's value appears only in the answer that made it.
import type { Principal } from '../../auth/authenticate-token.js';
import { ROLES, SCOPES, seesApp } from '../../domain/authorize.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { personAnswer, tokenAnswer } from '../people-answers.js';

export interface PeopleViewExtras {
  /** A token just made: its value, shown this once. */
  madeToken?: { name: string; value: string } | null;
  /** A sign-in link just made, shown this once. */
  madeLink?: { person: string; url: string; expiresAt: string } | null;
  notice?: string | null;
}

export function peopleView(read: PipelineReads, principal: Principal, extras: PeopleViewExtras = {}) {
  const { store } = read;
  const apps = store.apps
    .list()
    .filter((a) => seesApp(principal.grant, a.name))
    .map((a) => a.name);
  const roles = store.people.allRoles();
  return {
    me: {
      name: principal.name,
      admin: principal.grant.admin,
      roles: Object.entries(principal.grant.roles).map(([app, role]) => ({ app, role })),
      token: principal.tokenName,
    },
    tokens: store.tokens.list(principal.personId).map((t) => ({ ...tokenAnswer(t), current: t.id === principal.tokenId })),
    apps,
    scopes: SCOPES,
    roleNames: ROLES,
    people: principal.grant.admin ? store.people.list().map((p) => ({ ...personAnswer(p, roles), tokens: store.tokens.list(p.id).map(tokenAnswer) })) : [],
    madeToken: extras.madeToken ?? null,
    madeLink: extras.madeLink ?? null,
    notice: extras.notice ?? null,
  };
}
