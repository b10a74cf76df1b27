// JSON API of people, roles, tokens and the audit log. `/api/me` and `/api/tokens` are the caller's own (anyone);
// `/api/people/…` and `/api/audit` are for admins (the rules in src/web/route-rules.ts).
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { personAnswer, principalAnswer, tokenAnswer } from '../people-answers.js';
import { actorOf, principalOf } from '../route-guard.js';
import { authorize } from '../../domain/authorize.js';
import { parseAuditQuery } from '../parse-audit-query.js';

export function apiPeopleRoutes(pipeline: Pipeline): Router {
  const router = new Router({ prefix: '/api' });
  const { people, read } = pipeline;
  const body = (ctx: Context) => (ctx.request.body ?? {}) as Record<string, unknown>;
  const me = (ctx: Context) => principalOf(ctx)!;
  const person = (ctx: Context) => people.find(ctx.params.person);
  const signInUrl = (secret: string) => `${read.config.publicUrl}/sign-in/link/${secret}`;

  router.get('/me', (ctx) => {
    ctx.body = principalAnswer(me(ctx));
  });

  // The caller's own tokens: a token made here is the caller's, never more than they may do.
  router.get('/tokens', (ctx) => {
    ctx.body = { tokens: read.store.tokens.list(me(ctx).personId).map(tokenAnswer) };
  });
  router.post('/tokens', (ctx) => {
    const b = body(ctx);
    // A token for an app its person cannot see would be a way to ask whether the app exists.
    if (typeof b.app === 'string' && b.app !== '' && !authorize(me(ctx).grant, 'app:view', b.app).allowed) throw new NotFoundError(`no app named ${b.app}`);
    const made = people.createToken({ name: b.name, personId: me(ctx).personId, app: b.app, scopes: b.scopes, expiresDays: b.expiresDays }, actorOf(ctx));
    ctx.status = 201;
    ctx.body = { token: made.token, record: tokenAnswer(made.record) };
  });
  router.delete('/tokens/:token', (ctx) => {
    people.revokeToken(people.findToken(ctx.params.token, me(ctx).personId), actorOf(ctx));
    ctx.status = 204;
  });

  router.get('/people', (ctx) => {
    const roles = read.store.people.allRoles();
    ctx.body = { people: read.store.people.list().map((p) => personAnswer(p, roles)) };
  });
  router.post('/people', (ctx) => {
    const b = body(ctx);
    if (b.admin !== undefined && typeof b.admin !== 'boolean') throw new InvalidInputError('admin is true or false');
    const made = people.create({ name: b.name, email: b.email, admin: b.admin }, actorOf(ctx));
    ctx.status = 201;
    ctx.body = { person: personAnswer(made, []) };
  });
  router.get('/people/:person', (ctx) => {
    const p = person(ctx);
    ctx.body = { person: personAnswer(p, read.store.people.allRoles()), tokens: read.store.tokens.list(p.id).map(tokenAnswer) };
  });
  router.delete('/people/:person', (ctx) => {
    people.remove(ctx.params.person, actorOf(ctx));
    ctx.status = 204;
  });
  router.put('/people/:person/admin', (ctx) => {
    const { admin } = body(ctx);
    if (typeof admin !== 'boolean') throw new InvalidInputError('send {"admin": true} or {"admin": false}');
    const p = people.setAdmin(ctx.params.person, admin, actorOf(ctx));
    ctx.body = { person: personAnswer(p, read.store.people.allRoles()) };
  });
  router.put('/people/:person/roles/:app', (ctx) => {
    const granted = people.grant(ctx.params.person, ctx.params.app, body(ctx).role, actorOf(ctx));
    ctx.body = { person: granted.person.name, app: granted.app, role: granted.role, before: granted.before };
  });
  router.delete('/people/:person/roles/:app', (ctx) => {
    people.revokeRole(ctx.params.person, ctx.params.app, actorOf(ctx));
    ctx.status = 204;
  });
  router.get('/people/:person/tokens', (ctx) => {
    ctx.body = { tokens: read.store.tokens.list(person(ctx).id).map(tokenAnswer) };
  });
  router.post('/people/:person/tokens', (ctx) => {
    const b = body(ctx);
    const made = people.createToken({ name: b.name, personId: person(ctx).id, app: b.app, scopes: b.scopes, expiresDays: b.expiresDays }, actorOf(ctx));
    ctx.status = 201;
    ctx.body = { token: made.token, record: tokenAnswer(made.record) };
  });
  router.delete('/people/:person/tokens/:token', (ctx) => {
    people.revokeToken(people.findToken(ctx.params.token, person(ctx).id), actorOf(ctx));
    ctx.status = 204;
  });
  router.post('/people/:person/sign-in-link', (ctx) => {
    const link = people.signInLink(ctx.params.person, actorOf(ctx));
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { url: signInUrl(link.secret), expiresAt: link.expiresAt, person: link.person.name };
  });

  router.get('/audit', (ctx) => {
    const filter = parseAuditQuery(ctx.query, read.store.people);
    const page = read.store.audit.list(filter);
    const next = page.next === null ? null : `/api/audit?${new URLSearchParams({ ...stringQuery(ctx.query), before: String(page.next) }).toString()}`;
    ctx.body = { entries: page.entries, next };
  });

  return router;
}

function stringQuery(query: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
