// The settings page of people and tokens (/settings): anyone manages their own tokens; admins add and remove
// people, give roles, make one-time sign-in links and revoke anyone's tokens. And the audit log's page (/audit).
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { NotFoundError } from '../../shared/errors.js';
import { authorize } from '../../domain/authorize.js';
import { field, seeOther } from '../ui/form.js';
import type { PageRenderer } from '../ui/page-renderer.js';
import { actorOf, principalOf } from '../route-guard.js';
import { peopleView, type PeopleViewExtras } from '../view-models/people-view.js';
import { auditView } from '../view-models/audit-view.js';

export function uiPeopleRoutes(pipeline: Pipeline, pages: PageRenderer): Router {
  const router = new Router();
  const { people, read } = pipeline;
  const me = (ctx: Context) => principalOf(ctx)!;
  const show = async (ctx: Context, extras: PeopleViewExtras = {}) => {
    await pages.render(ctx, 'pages/people.njk', { title: 'People and tokens', view: peopleView(read, me(ctx), extras) });
  };

  router.get('/settings', async (ctx) => {
    await show(ctx, { notice: typeof ctx.query.done === 'string' ? ctx.query.done.slice(0, 200) : null });
  });

  router.post('/settings/tokens', async (ctx) => {
    const app = field(ctx, 'app');
    if (app !== '' && !authorize(me(ctx).grant, 'app:view', app).allowed) throw new NotFoundError(`no app named ${app}`);
    const scopes = ((ctx.request as { body?: Record<string, unknown> }).body ?? {}).scopes;
    const made = people.createToken(
      {
        name: field(ctx, 'name').trim(),
        personId: me(ctx).personId,
        app,
        scopes: typeof scopes === 'string' ? [scopes] : scopes,
        expiresDays: field(ctx, 'expires'),
      },
      actorOf(ctx),
    );
    ctx.status = 201;
    await show(ctx, { madeToken: { name: made.record.name, value: made.token } });
    ctx.status = 201;
  });

  router.post('/settings/tokens/revoke', (ctx) => {
    const token = people.findToken(field(ctx, 'token'), me(ctx).personId);
    people.revokeToken(token, actorOf(ctx));
    seeOther(ctx, `/settings?done=${encodeURIComponent(`Revoked ${token.name}.`)}#tokens`);
  });

  router.post('/settings/people', (ctx) => {
    const person = people.create({ name: field(ctx, 'name'), email: field(ctx, 'email'), admin: field(ctx, 'admin') === 'on' }, actorOf(ctx));
    seeOther(ctx, `/settings?done=${encodeURIComponent(`Added ${person.name}.`)}#people`);
  });

  router.post('/settings/people/remove', (ctx) => {
    const person = people.remove(field(ctx, 'person'), actorOf(ctx));
    seeOther(ctx, `/settings?done=${encodeURIComponent(`Removed ${person.name} and their tokens.`)}#people`);
  });

  // One form for giving, changing and taking away a role ("none").
  router.post('/settings/people/roles', (ctx) => {
    const role = field(ctx, 'role');
    const person = field(ctx, 'person');
    const app = field(ctx, 'app');
    const done = role === 'none' ? people.revokeRole(person, app, actorOf(ctx)) : people.grant(person, app, role, actorOf(ctx));
    const words = role === 'none' ? `${done.person.name} no longer has a role on ${done.app}.` : `${done.person.name} is ${role} of ${done.app}.`;
    seeOther(ctx, `/settings?done=${encodeURIComponent(words)}#people`);
  });

  router.post('/settings/people/sign-in-link', async (ctx) => {
    const link = people.signInLink(field(ctx, 'person'), actorOf(ctx));
    ctx.status = 201;
    await show(ctx, { madeLink: { person: link.person.name, url: `${read.config.publicUrl}/sign-in/link/${link.secret}`, expiresAt: link.expiresAt } });
    ctx.status = 201;
  });

  router.post('/settings/people/tokens/revoke', (ctx) => {
    const token = people.findToken(field(ctx, 'token'));
    people.revokeToken(token, actorOf(ctx));
    seeOther(ctx, `/settings?done=${encodeURIComponent(`Revoked ${token.name}.`)}#people`);
  });

  router.get('/audit', async (ctx) => {
    await pages.render(ctx, 'pages/audit.njk', { title: 'Audit log', view: auditView(read, ctx.query) });
  });

  return router;
}
