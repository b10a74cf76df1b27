// The one authorisation rule as a table: every action × every role (and admin, and no role) → allowed, 403 or
// 404; then what a token's app and scopes take away.
import { describe, expect, it } from 'vitest';
import { ACTIONS, authorize, mayViewApp, type Action, type Grant, type Role } from '../../../src/domain/authorize.js';
import { pushActionFor } from '../../../src/domain/push-action.js';
import type { EnvironmentDef } from '../../../src/domain/types.js';

const grant = (roles: Record<string, Role>, extra: Partial<Grant> = {}): Grant => ({ admin: false, roles, onlyApp: null, scopes: [], ...extra });
type Who = 'outsider' | Role | 'admin';
const who: Record<Who, Grant> = {
  outsider: grant({ other: 'releaser' }),
  viewer: grant({ shop: 'viewer' }),
  developer: grant({ shop: 'developer' }),
  releaser: grant({ shop: 'releaser' }),
  admin: grant({}, { admin: true }),
};

// Written out by hand (not derived from ACTIONS): the least a person needs for each action on app "shop".
const NEEDS: Record<Action, Who | 'anyone'> = {
  'app:view': 'viewer',
  'git:fetch': 'viewer',
  'git:push': 'developer',
  'git:release': 'releaser',
  'app:generate': 'developer',
  'app:run-job': 'developer',
  'app:preview-secrets': 'developer',
  'app:release': 'releaser',
  'app:production-secrets': 'releaser',
  'app:domains': 'releaser',
  'app:webhooks': 'releaser',
  'app:share': 'developer',
  'app:access': 'releaser',
  'app:delete': 'admin',
  'apps:create': 'admin',
  'self:read': 'anyone',
  'self:tokens': 'anyone',
  'people:manage': 'admin',
  'people:read': 'admin',
  'audit:read': 'admin',
  backups: 'admin',
  'metrics:read': 'admin',
  'webhooks:global': 'admin',
};
const ORDER: Who[] = ['outsider', 'viewer', 'developer', 'releaser', 'admin'];

describe('authorize: every action × every role', () => {
  it('has an expectation for every action', () => {
    expect(Object.keys(NEEDS).sort()).toEqual(Object.keys(ACTIONS).sort());
  });

  for (const action of Object.keys(ACTIONS) as Action[]) {
    it(action, () => {
      const onApp = ACTIONS[action].app;
      for (const w of ORDER) {
        const decision = authorize(who[w], action, onApp ? 'shop' : undefined);
        const needs = NEEDS[action];
        const allowed = needs === 'anyone' || ORDER.indexOf(w) >= ORDER.indexOf(needs as Who);
        const expected = allowed ? 'allowed' : onApp && w === 'outsider' ? 404 : 403;
        expect(decision.allowed ? 'allowed' : decision.status, `${w} ${action}`).toBe(expected);
      }
    });
  }

  it('says why in words a person can act on', () => {
    expect(authorize(who.developer, 'app:release', 'shop')).toEqual({
      allowed: false,
      status: 403,
      reason: 'you are a developer of shop: to publish or roll back this app takes the releaser role',
    });
    // An app you cannot see is the same answer as an app that does not exist.
    expect(authorize(who.viewer, 'app:view', 'secret-app')).toEqual({ allowed: false, status: 404, reason: 'no app named secret-app' });
  });
});

describe("a token's app and scopes narrow its person", () => {
  it('one app: the others do not exist for it, nor does anything installation-wide', () => {
    const onlyShop = grant({ shop: 'releaser', blog: 'releaser' }, { onlyApp: 'shop' });
    expect(authorize(onlyShop, 'app:release', 'shop').allowed).toBe(true);
    expect(authorize(onlyShop, 'app:view', 'blog')).toMatchObject({ allowed: false, status: 404 });
    expect(authorize(onlyShop, 'self:read').allowed).toBe(true);
    expect(authorize(onlyShop, 'self:tokens')).toMatchObject({ allowed: false, status: 403 });
    // Even an admin's token, narrowed to one app, is not an admin's.
    const adminShop = grant({}, { admin: true, onlyApp: 'shop' });
    expect(authorize(adminShop, 'app:delete', 'shop').allowed).toBe(true);
    expect(authorize(adminShop, 'app:view', 'blog').allowed).toBe(false);
    expect(authorize(adminShop, 'people:manage')).toMatchObject({ allowed: false, status: 403 });
  });

  it('read: reading only, whatever the role', () => {
    const reader = grant({ shop: 'releaser' }, { scopes: ['read'] });
    for (const a of ['app:view', 'git:fetch', 'self:read'] as const) expect(authorize(reader, a, ACTIONS[a].app ? 'shop' : undefined).allowed, a).toBe(true);
    for (const a of ['git:push', 'app:release', 'app:generate', 'app:preview-secrets'] as const)
      expect(authorize(reader, a, 'shop'), a).toMatchObject({ allowed: false, status: 403, reason: expect.stringMatching(/this token may only read/) });
  });

  it('git:push: git alone (clone, push, and release tags when the role allows), never the API', () => {
    const ci = grant({ shop: 'developer' }, { scopes: ['git:push'] });
    expect(authorize(ci, 'git:fetch', 'shop').allowed).toBe(true);
    expect(authorize(ci, 'git:push', 'shop').allowed).toBe(true);
    expect(authorize(ci, 'git:release', 'shop')).toMatchObject({ allowed: false, status: 403 }); // the role says no
    expect(authorize(ci, 'app:view', 'shop')).toMatchObject({ allowed: false, status: 403 });
    expect(authorize(grant({ shop: 'releaser' }, { scopes: ['git:push'] }), 'git:release', 'shop').allowed).toBe(true);
  });

  it('metrics: metrics alone', () => {
    const m = grant({}, { admin: true, scopes: ['metrics'] });
    expect(authorize(m, 'metrics:read').allowed).toBe(true);
    expect(authorize(m, 'app:view', 'shop').allowed).toBe(false);
    expect(authorize(m, 'backups').allowed).toBe(false);
  });

  it('mayViewApp is the one question a proxy asks', () => {
    expect(mayViewApp(who.viewer, 'shop')).toBe(true);
    expect(mayViewApp(who.outsider, 'shop')).toBe(false);
    expect(mayViewApp(grant({ shop: 'viewer' }, { scopes: ['git:push'] }), 'shop')).toBe(false);
  });
});

describe('what a ref update of a push needs', () => {
  const envs = [
    { name: 'preview', title: 'preview', ref: 'refs/heads/main', host: '{app}-preview.{domain}' },
    { name: 'prod', title: 'production', ref: 'refs/heads/prod', host: '{app}.{domain}', releaseTags: 'v*' },
  ] as unknown as EnvironmentDef[];
  const sha = 'a'.repeat(40);
  const zero = '0'.repeat(40);
  it('branches are the developer’s; prod, tags and deletions the releaser’s', () => {
    expect(pushActionFor({ ref: 'refs/heads/main', oldSha: zero, newSha: sha }, envs)).toBe('git:push');
    expect(pushActionFor({ ref: 'refs/heads/feature/x', oldSha: zero, newSha: sha }, envs)).toBe('git:push');
    expect(pushActionFor({ ref: 'refs/heads/prod', oldSha: zero, newSha: sha }, envs)).toBe('git:release');
    expect(pushActionFor({ ref: 'refs/tags/v3', oldSha: zero, newSha: sha }, envs)).toBe('git:release');
    expect(pushActionFor({ ref: 'refs/heads/feature/x', oldSha: sha, newSha: zero }, envs)).toBe('git:release');
  });
});
