// People, their roles and their tokens: the commands an admin (or, for their own tokens, anyone) uses, each
// recorded in the audit log. Who may call which is decided by the caller with src/domain/authorize.ts.
import { createSignInLink, createToken, type TokenRequest } from '../auth/create-token.js';
import type { Actor } from '../domain/actor.js';
import { parseAppName } from '../domain/app-name.js';
import { isRole, type Role } from '../domain/authorize.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../shared/errors.js';
import { FIRST_ADMIN_ID, type PersonRecord } from '../store/people-store.js';
import type { TokenRecord } from '../store/tokens-store.js';
import type { RecordAudit } from './audit.js';
import type { PipelineDeps } from './deps.js';

const PERSON_NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._@'-]{0,59}$/u;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;
/** How long a one-time sign-in link stays valid. */
export const SIGN_IN_LINK_MINUTES = 30;

export interface People {
  /** By id or by name. */
  find(ref: unknown): PersonRecord;
  /** Whose tokens are made when no person is named: the admin the installation started with, else any admin. */
  firstAdmin(): PersonRecord;
  create(input: { name: unknown; email?: unknown; admin?: unknown }, by: Actor): PersonRecord;
  remove(ref: unknown, by: Actor): PersonRecord;
  setAdmin(ref: unknown, admin: boolean, by: Actor): PersonRecord;
  /** Gives the person a role on the app (or changes it). */
  grant(ref: unknown, app: unknown, role: unknown, by: Actor): { person: PersonRecord; app: string; role: Role; before: Role | null };
  revokeRole(ref: unknown, app: unknown, by: Actor): { person: PersonRecord; app: string; role: Role };
  /** A token of the person's; its value is returned once. */
  createToken(request: Omit<TokenRequest, 'app'> & { app?: unknown }, by: Actor): { token: string; record: TokenRecord };
  /** Finds a token by id, or by name among `personId`'s (or everyone's) tokens. */
  findToken(ref: unknown, personId?: string): TokenRecord;
  revokeToken(record: TokenRecord, by: Actor): void;
  /** A one-time sign-in link's secret for the person, valid SIGN_IN_LINK_MINUTES. */
  signInLink(ref: unknown, by: Actor): { secret: string; expiresAt: string; person: PersonRecord };
}

export function createPeople(deps: Pick<PipelineDeps, 'store'>, audit: RecordAudit): People {
  const { store } = deps;
  const find = (ref: unknown): PersonRecord => {
    if (typeof ref !== 'string' || ref === '' || ref.length > 100) throw new InvalidInputError('name a person (by name or id)');
    const person = store.people.get(ref) ?? store.people.byName(ref);
    if (!person) throw new NotFoundError(`no person named ${ref}`);
    return person;
  };
  const existingApp = (input: unknown): string => {
    const app = parseAppName(input);
    if (!store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
    return app;
  };
  return {
    find,
    firstAdmin() {
      const admin = store.people.get(FIRST_ADMIN_ID) ?? store.people.list().find((p) => p.admin);
      if (!admin) throw new NotFoundError('there is no admin person: name one with --person');
      return admin;
    },
    create(input, by) {
      const name = typeof input.name === 'string' ? input.name.trim() : '';
      if (!PERSON_NAME.test(name)) throw new InvalidInputError('a person\'s name has 1–60 letters, digits, spaces, ".", "_", "@", "\'" or "-"');
      const email = input.email === undefined || input.email === null || input.email === '' ? null : input.email;
      if (email !== null && (typeof email !== 'string' || !EMAIL.test(email))) throw new InvalidInputError('that is not an email address');
      const person = store.people.add({ name, email, admin: input.admin === true });
      audit(by, 'person.created', { target: person.name, detail: { admin: person.admin, ...(email ? { email } : {}) } });
      return person;
    },
    remove(ref, by) {
      const person = find(ref);
      if (person.admin && store.people.countAdmins() <= 1) throw new ConflictError(`${person.name} is the last admin: make another person admin first`);
      store.people.remove(person.id);
      audit(by, 'person.removed', { target: person.name });
      return person;
    },
    setAdmin(ref, admin, by) {
      const person = find(ref);
      if (person.admin === admin) return person;
      if (!admin && store.people.countAdmins() <= 1) throw new ConflictError(`${person.name} is the last admin: make another person admin first`);
      store.people.setAdmin(person.id, admin);
      audit(by, 'person.admin', { target: person.name, detail: { admin } });
      return { ...person, admin };
    },
    grant(ref, appInput, roleInput, by) {
      const person = find(ref);
      const app = existingApp(appInput);
      if (!isRole(roleInput)) throw new InvalidInputError('the roles are viewer, developer and releaser');
      const before = store.people.grant(person.id, app, roleInput);
      if (before !== roleInput) audit(by, 'role.granted', { app, target: person.name, detail: { role: roleInput, before } });
      return { person, app, role: roleInput, before };
    },
    revokeRole(ref, appInput, by) {
      const person = find(ref);
      const app = parseAppName(appInput);
      const role = store.people.revoke(person.id, app);
      if (!role) throw new NotFoundError(`${person.name} has no role on ${app}`);
      audit(by, 'role.revoked', { app, target: person.name, detail: { role } });
      return { person, app, role };
    },
    createToken(request, by) {
      const person = store.people.get(request.personId);
      if (!person) throw new NotFoundError(`no person ${request.personId}`);
      const app = request.app === undefined || request.app === null || request.app === '' ? null : existingApp(request.app);
      const made = createToken(deps, { ...request, app });
      const { record } = made;
      audit(by, 'token.created', {
        app,
        target: `${person.name}/${record.name}`,
        detail: { tokenId: record.id, scopes: record.scopes, expiresAt: record.expiresAt },
      });
      return made;
    },
    findToken(ref, personId) {
      if (typeof ref !== 'string' || ref === '' || ref.length > 100) throw new InvalidInputError('name a token (by name or id)');
      const byId = store.tokens.get(ref);
      if (byId && (personId === undefined || byId.personId === personId)) return byId;
      const named = store.tokens.list(personId).filter((t) => t.name === ref);
      if (named.length > 1) throw new ConflictError(`${named.length} tokens are named ${ref}: revoke by id (${named.map((t) => t.id).join(', ')})`);
      if (!named[0]) throw new NotFoundError(`no token ${ref}`);
      return named[0];
    },
    revokeToken(record, by) {
      if (!store.tokens.revoke(record.id)) throw new NotFoundError(`no token ${record.id}`);
      const person = store.people.get(record.personId);
      audit(by, 'token.revoked', { app: record.app, target: `${person?.name ?? record.personId}/${record.name}`, detail: { tokenId: record.id } });
    },
    signInLink(ref, by) {
      const person = find(ref);
      const { secret, record } = createSignInLink(deps, person.id, by.name, SIGN_IN_LINK_MINUTES);
      audit(by, 'sign-in-link.created', { target: person.name, detail: { expiresAt: record.expiresAt } });
      return { secret, expiresAt: record.expiresAt, person };
    },
  };
}
