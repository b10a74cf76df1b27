// Every API and UI route × every role → allowed, 403 or 404 (an app a person cannot see is 404). The routes come
// from the web app's own list (createWebApp(...).routes), so a route added without an expectation here fails the
// first test, and one added without a rule fails at createWebApp. The expectations are written out by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WHO, createPeopleFixture, type PeopleFixture, type Who } from '../../helpers/people-fixture.js';
import { logPath } from '../../../src/pipeline/log-paths.js';

type Needs = 'public' | 'anyone' | Who;
interface Sample {
  path: string;
  body?: Record<string, string | string[] | boolean>;
  needs: Needs;
  /** Whether the route concerns one app (then a person without a role on it gets 404). */
  app?: boolean;
}

let f: PeopleFixture;
const ids: Record<string, string> = {};

beforeAll(async () => {
  f = await createPeopleFixture(['shop', 'scratch']);
  const { fp } = f;
  const commit = fp.store.deployments.list('shop')[0]!.commit;
  ids.commit = commit;
  ids.build = fp.store.builds.list('shop')[0]!.id;
  ids.deployment = fp.store.deployments.list('shop')[0]!.id;
  ids.run = fp.store.jobRuns.start({ app: 'shop', environment: 'preview', commit, trigger: 'manual', logPath: (id) => logPath(fp.dataDir, 'jobs', id) }).id;
  ids.generation = fp.store.generations.create({ app: 'shop', kind: 'request', prompt: 'make it blue', requestedBy: 'developer', model: 'm' }).id;
}, 120_000);
afterAll(() => f?.close());

// The samples of each route: a concrete request and the least it needs. Bodies that would destroy the fixture are
// ones the handler refuses after the guard let them through (a 400 proves the guard said yes).
const table = (): Record<string, Sample[]> => ({
  'GET /api/apps': [{ path: '/api/apps', needs: 'anyone' }],
  'POST /api/apps': [{ path: '/api/apps', body: { name: 'Not A Name', template: 'static-site' }, needs: 'admin' }],
  'GET /api/apps/:name': [{ path: '/api/apps/shop', needs: 'viewer', app: true }],
  'DELETE /api/apps/:name': [{ path: '/api/apps/scratch', needs: 'admin', app: true }],
  'GET /api/apps/:name/environments': [{ path: '/api/apps/shop/environments', needs: 'viewer', app: true }],
  'GET /api/apps/:name/builds': [{ path: '/api/apps/shop/builds', needs: 'viewer', app: true }],
  'GET /api/apps/:name/deployments': [{ path: '/api/apps/shop/deployments', needs: 'viewer', app: true }],
  'POST /api/apps/:name/publish': [{ path: '/api/apps/shop/publish', body: { commit: 'not-a-commit' }, needs: 'releaser', app: true }],
  'POST /api/apps/:name/rollback': [{ path: '/api/apps/shop/rollback', body: { to: 'v999' }, needs: 'releaser', app: true }],
  'GET /api/apps/:name/release-plan': [{ path: '/api/apps/shop/release-plan', needs: 'viewer', app: true }],
  'GET /api/builds/:id': [{ path: `/api/builds/${ids.build}`, needs: 'viewer', app: true }],
  'GET /api/builds/:id/log': [{ path: `/api/builds/${ids.build}/log`, needs: 'viewer', app: true }],
  'GET /api/deployments/:id/log': [{ path: `/api/deployments/${ids.deployment}/log`, needs: 'viewer', app: true }],
  'GET /api/apps/:name/secrets/:environment': [{ path: '/api/apps/shop/secrets/prod', needs: 'viewer', app: true }],
  'PUT /api/apps/:name/secrets/:environment/:key': [
    { path: '/api/apps/shop/secrets/preview/9BAD', body: { value: 'x' }, needs: 'developer', app: true },
    { path: '/api/apps/shop/secrets/prod/9BAD', body: { value: 'x' }, needs: 'releaser', app: true },
  ],
  'DELETE /api/apps/:name/secrets/:environment/:key': [
    { path: '/api/apps/shop/secrets/preview/NOPE', needs: 'developer', app: true },
    { path: '/api/apps/shop/secrets/prod/NOPE', needs: 'releaser', app: true },
  ],
  'GET /api/apps/:name/job-runs': [{ path: '/api/apps/shop/job-runs', needs: 'viewer', app: true }],
  'POST /api/apps/:name/jobs/run': [{ path: '/api/apps/shop/jobs/run', body: { environment: 'nowhere' }, needs: 'developer', app: true }],
  'GET /api/job-runs/:id/log': [{ path: `/api/job-runs/${ids.run}/log`, needs: 'viewer', app: true }],
  'POST /api/apps/:name/generations': [{ path: '/api/apps/shop/generations', body: { prompt: 'hi' }, needs: 'developer', app: true }],
  'GET /api/apps/:name/generations': [{ path: '/api/apps/shop/generations', needs: 'viewer', app: true }],
  'GET /api/generations/:id': [{ path: `/api/generations/${ids.generation}`, needs: 'viewer', app: true }],
  'POST /api/generations/:id/revert': [{ path: `/api/generations/${ids.generation}/revert`, body: {}, needs: 'developer', app: true }],
  'GET /api/generations/:id/events': [{ path: `/api/generations/${ids.generation}/events`, needs: 'viewer', app: true }],
  'GET /api/apps/:name/domains': [{ path: '/api/apps/shop/domains', needs: 'viewer', app: true }],
  'POST /api/apps/:name/domains': [{ path: '/api/apps/shop/domains', body: { environment: 'prod', domain: 'not a domain' }, needs: 'releaser', app: true }],
  'DELETE /api/apps/:name/domains': [{ path: '/api/apps/shop/domains', body: { domain: 'nope.example.com' }, needs: 'releaser', app: true }],
  'DELETE /api/apps/:name/domains/:domain': [{ path: '/api/apps/shop/domains/nope.example.com', needs: 'releaser', app: true }],
  'GET /api/backups': [{ path: '/api/backups', needs: 'admin' }],
  'POST /api/backups': [{ path: '/api/backups', body: {}, needs: 'admin' }],
  'GET /api/backups/:file': [{ path: '/api/backups/not-an-archive', needs: 'admin' }],
  'GET /api/me': [{ path: '/api/me', needs: 'anyone' }],
  'GET /api/tokens': [{ path: '/api/tokens', needs: 'anyone' }],
  'POST /api/tokens': [{ path: '/api/tokens', body: { name: '' }, needs: 'anyone' }],
  'DELETE /api/tokens/:token': [{ path: '/api/tokens/no-such-token', needs: 'anyone' }],
  'GET /api/people': [{ path: '/api/people', needs: 'admin' }],
  'POST /api/people': [{ path: '/api/people', body: { name: '' }, needs: 'admin' }],
  'GET /api/people/:person': [{ path: '/api/people/viewer', needs: 'admin' }],
  'DELETE /api/people/:person': [{ path: '/api/people/nobody', needs: 'admin' }],
  'PUT /api/people/:person/admin': [{ path: '/api/people/nobody/admin', body: { admin: true }, needs: 'admin' }],
  'PUT /api/people/:person/roles/:app': [{ path: '/api/people/nobody/roles/shop', body: { role: 'viewer' }, needs: 'admin' }],
  'DELETE /api/people/:person/roles/:app': [{ path: '/api/people/nobody/roles/shop', needs: 'admin' }],
  'GET /api/people/:person/tokens': [{ path: '/api/people/viewer/tokens', needs: 'admin' }],
  'POST /api/people/:person/tokens': [{ path: '/api/people/nobody/tokens', body: { name: 'x' }, needs: 'admin' }],
  'DELETE /api/people/:person/tokens/:token': [{ path: '/api/people/nobody/tokens/x', needs: 'admin' }],
  'POST /api/people/:person/sign-in-link': [{ path: '/api/people/nobody/sign-in-link', body: {}, needs: 'admin' }],
  'GET /api/audit': [{ path: '/api/audit', needs: 'admin' }],
  'GET /api/whoami': [{ path: '/api/whoami', needs: 'anyone' }],
  'GET /api/apps/:name/releases': [{ path: '/api/apps/shop/releases', needs: 'viewer', app: true }],
  'GET /api/apps/:name/access': [{ path: '/api/apps/shop/access', needs: 'viewer', app: true }],
  'PUT /api/apps/:name/access': [{ path: '/api/apps/shop/access', body: { previews: 'sometimes' }, needs: 'releaser', app: true }],
  'GET /api/apps/:name/share-links': [{ path: '/api/apps/shop/share-links', needs: 'developer', app: true }],
  'POST /api/apps/:name/share-links': [
    { path: '/api/apps/shop/share-links', body: { environment: 'nowhere', expires: 'never' }, needs: 'developer', app: true },
  ],
  'DELETE /api/apps/:name/share-links/:id': [{ path: '/api/apps/shop/share-links/shl_none', needs: 'developer', app: true }],
  'GET /api/apps/:name/webhooks': [{ path: '/api/apps/shop/webhooks', needs: 'releaser', app: true }],
  'POST /api/apps/:name/webhooks': [{ path: '/api/apps/shop/webhooks', body: { url: 'not a url' }, needs: 'releaser', app: true }],
  'GET /api/apps/:name/webhooks/:id': [{ path: '/api/apps/shop/webhooks/wh_none', needs: 'releaser', app: true }],
  'DELETE /api/apps/:name/webhooks/:id': [{ path: '/api/apps/shop/webhooks/wh_none', needs: 'releaser', app: true }],
  'GET /api/apps/:name/webhooks/:id/deliveries': [{ path: '/api/apps/shop/webhooks/wh_none/deliveries', needs: 'releaser', app: true }],
  'POST /api/apps/:name/webhooks/:id/deliveries/:delivery/redeliver': [
    { path: '/api/apps/shop/webhooks/wh_none/deliveries/whd_none/redeliver', body: {}, needs: 'releaser', app: true },
  ],
  'GET /api/webhooks': [{ path: '/api/webhooks', needs: 'admin' }],
  'POST /api/webhooks': [{ path: '/api/webhooks', body: { url: 'not a url' }, needs: 'admin' }],
  'GET /api/webhooks/:id': [{ path: '/api/webhooks/wh_none', needs: 'admin' }],
  'DELETE /api/webhooks/:id': [{ path: '/api/webhooks/wh_none', needs: 'admin' }],
  'GET /api/webhooks/:id/deliveries': [{ path: '/api/webhooks/wh_none/deliveries', needs: 'admin' }],
  'POST /api/webhooks/:id/deliveries/:delivery/redeliver': [{ path: '/api/webhooks/wh_none/deliveries/whd_none/redeliver', body: {}, needs: 'admin' }],

  'GET /sign-in': [{ path: '/sign-in', needs: 'public' }],
  'POST /sign-in': [{ path: '/sign-in', body: { token: 'wrong' }, needs: 'public' }],
  'POST /sign-out': [{ path: '/sign-out', body: {}, needs: 'public' }],
  'GET /sign-in/link/:secret': [{ path: '/sign-in/link/slw_whatever', needs: 'public' }],
  'POST /sign-in/link': [{ path: '/sign-in/link', body: { link: 'slw_whatever' }, needs: 'public' }],
  'GET /': [{ path: '/', needs: 'anyone' }],
  'GET /apps/:name/fragments/card': [{ path: '/apps/shop/fragments/card', needs: 'viewer', app: true }],
  'GET /new-app': [{ path: '/new-app', needs: 'admin' }],
  'GET /new-app/check-name': [{ path: '/new-app/check-name?name=x', needs: 'admin' }],
  'POST /new-app': [{ path: '/new-app', body: { name: 'Not A Name', template: 'static-site' }, needs: 'admin' }],
  'GET /about': [{ path: '/about', needs: 'anyone' }],
  'GET /live': [
    { path: '/live', needs: 'anyone' },
    { path: '/live?app=shop', needs: 'viewer', app: true },
  ],
  'GET /apps/:name': [{ path: '/apps/shop', needs: 'viewer', app: true }],
  'GET /apps/:name/fragments/environments': [{ path: '/apps/shop/fragments/environments', needs: 'viewer', app: true }],
  'GET /apps/:name/fragments/activity': [{ path: '/apps/shop/fragments/activity', needs: 'viewer', app: true }],
  'GET /apps/:name/fragments/generations': [{ path: '/apps/shop/fragments/generations', needs: 'viewer', app: true }],
  'POST /apps/:name/generations': [{ path: '/apps/shop/generations', body: { prompt: 'hi' }, needs: 'developer', app: true }],
  'POST /apps/:name/generations/:id/revert': [{ path: `/apps/shop/generations/${ids.generation}/revert`, body: {}, needs: 'developer', app: true }],
  // Claude Code sessions (this fixture has none running: an allowed request reaches "not available").
  'POST /apps/:name/sessions': [{ path: '/apps/shop/sessions', body: {}, needs: 'developer', app: true }],
  'GET /apps/:name/sessions/:id': [{ path: '/apps/shop/sessions/ses_none', needs: 'developer', app: true }],
  'POST /apps/:name/sessions/:id/push': [{ path: '/apps/shop/sessions/ses_none/push', body: {}, needs: 'developer', app: true }],
  'POST /apps/:name/sessions/:id/pull': [{ path: '/apps/shop/sessions/ses_none/pull', body: {}, needs: 'developer', app: true }],
  'POST /apps/:name/sessions/:id/close': [{ path: '/apps/shop/sessions/ses_none/close', body: {}, needs: 'developer', app: true }],
  'GET /apps/:name/builds/:id': [{ path: `/apps/shop/builds/${ids.build}`, needs: 'viewer', app: true }],
  'GET /apps/:name/deployments/:id': [{ path: `/apps/shop/deployments/${ids.deployment}`, needs: 'viewer', app: true }],
  'GET /apps/:name/job-runs/:id': [{ path: `/apps/shop/job-runs/${ids.run}`, needs: 'viewer', app: true }],
  'POST /apps/:name/jobs/run': [{ path: '/apps/shop/jobs/run', body: { environment: 'nowhere' }, needs: 'developer', app: true }],
  'GET /apps/:name/logs': [{ path: '/apps/shop/logs', needs: 'viewer', app: true }],
  'GET /apps/:name/logs/:environment/stream': [{ path: '/apps/shop/logs/preview/stream', needs: 'viewer', app: true }],
  'GET /apps/:name/publish': [{ path: '/apps/shop/publish', needs: 'releaser', app: true }],
  'POST /apps/:name/publish': [{ path: '/apps/shop/publish', body: { commit: 'not-a-commit' }, needs: 'releaser', app: true }],
  'GET /apps/:name/rollback': [{ path: '/apps/shop/rollback', needs: 'releaser', app: true }],
  'POST /apps/:name/rollback': [{ path: '/apps/shop/rollback', body: { to: 'v999' }, needs: 'releaser', app: true }],
  'GET /apps/:name/settings': [{ path: '/apps/shop/settings', needs: 'viewer', app: true }],
  'POST /apps/:name/secrets': [
    { path: '/apps/shop/secrets', body: { environment: 'preview', name: '9BAD', value: 'x' }, needs: 'developer', app: true },
    { path: '/apps/shop/secrets', body: { environment: 'prod', name: '9BAD', value: 'x' }, needs: 'releaser', app: true },
  ],
  'POST /apps/:name/secrets/remove': [
    { path: '/apps/shop/secrets/remove', body: { environment: 'preview', name: 'NOPE' }, needs: 'developer', app: true },
    { path: '/apps/shop/secrets/remove', body: { environment: 'prod', name: 'NOPE' }, needs: 'releaser', app: true },
  ],
  'POST /apps/:name/domains': [{ path: '/apps/shop/domains', body: { environment: 'prod', domain: 'not a domain' }, needs: 'releaser', app: true }],
  'POST /apps/:name/domains/remove': [{ path: '/apps/shop/domains/remove', body: { domain: 'nope.example.com' }, needs: 'releaser', app: true }],
  'POST /apps/:name/delete': [{ path: '/apps/shop/delete', body: { confirm: 'not the name' }, needs: 'admin', app: true }],
  'GET /apps/:name/history': [{ path: '/apps/shop/history', needs: 'viewer', app: true }],
  'GET /apps/:name/commits/:sha': [{ path: `/apps/shop/commits/${ids.commit}`, needs: 'viewer', app: true }],
  'GET /apps/:name/compare': [{ path: '/apps/shop/compare', needs: 'viewer', app: true }],
  'GET /apps/:name/compare/file': [{ path: `/apps/shop/compare/file?from=&to=${ids.commit}&path=index.html`, needs: 'viewer', app: true }],
  'POST /backups': [{ path: '/backups', body: {}, needs: 'admin' }],
  'GET /settings': [{ path: '/settings', needs: 'anyone' }],
  'POST /settings/tokens': [{ path: '/settings/tokens', body: { name: '' }, needs: 'anyone' }],
  'POST /settings/tokens/revoke': [{ path: '/settings/tokens/revoke', body: { token: 'no-such-token' }, needs: 'anyone' }],
  'POST /settings/people': [{ path: '/settings/people', body: { name: '' }, needs: 'admin' }],
  'POST /settings/people/remove': [{ path: '/settings/people/remove', body: { person: 'nobody' }, needs: 'admin' }],
  'POST /settings/people/roles': [{ path: '/settings/people/roles', body: { person: 'nobody', app: 'shop', role: 'viewer' }, needs: 'admin' }],
  'POST /settings/people/sign-in-link': [{ path: '/settings/people/sign-in-link', body: { person: 'nobody' }, needs: 'admin' }],
  'POST /settings/people/tokens/revoke': [{ path: '/settings/people/tokens/revoke', body: { token: 'no-such-token' }, needs: 'admin' }],
  'GET /audit': [{ path: '/audit', needs: 'admin' }],
  'GET /access': [{ path: '/access?host=nowhere.example.com&return=%2F', needs: 'anyone' }],
  'POST /apps/:name/access': [{ path: '/apps/shop/access', body: { previews: 'sometimes' }, needs: 'releaser', app: true }],
  'POST /apps/:name/share-links': [{ path: '/apps/shop/share-links', body: { environment: 'nowhere', expires: 'never' }, needs: 'developer', app: true }],
  'POST /apps/:name/share-links/revoke': [{ path: '/apps/shop/share-links/revoke', body: { id: 'shl_none' }, needs: 'developer', app: true }],
  'GET /apps/:name/webhooks': [{ path: '/apps/shop/webhooks', needs: 'releaser', app: true }],
  'POST /apps/:name/webhooks': [{ path: '/apps/shop/webhooks', body: { url: 'not a url' }, needs: 'releaser', app: true }],
  'POST /apps/:name/webhooks/:id/remove': [{ path: '/apps/shop/webhooks/wh_none/remove', body: {}, needs: 'releaser', app: true }],
  'POST /apps/:name/webhooks/:id/deliveries/:delivery/redeliver': [
    { path: '/apps/shop/webhooks/wh_none/deliveries/whd_none/redeliver', body: {}, needs: 'releaser', app: true },
  ],
  'GET /webhooks': [{ path: '/webhooks', needs: 'admin' }],
  'POST /webhooks': [{ path: '/webhooks', body: { url: 'not a url' }, needs: 'admin' }],
  'POST /webhooks/:id/remove': [{ path: '/webhooks/wh_none/remove', body: {}, needs: 'admin' }],
  'POST /webhooks/:id/deliveries/:delivery/redeliver': [{ path: '/webhooks/wh_none/deliveries/whd_none/redeliver', body: {}, needs: 'admin' }],
});

/** Asks as `who` (API: bearer token; UI: the signed-in cookie) and reads at most the start of the answer. */
async function ask(method: string, sample: Sample, who: Who, api: boolean): Promise<{ status: number; text: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 3000);
  const headers: Record<string, string> = api ? { authorization: `Bearer ${f.token[who]}` } : { cookie: f.cookie[who], origin: f.origin };
  let body: string | undefined;
  if (sample.body && method !== 'GET') {
    if (api) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(sample.body);
    } else {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(sample.body)) for (const x of Array.isArray(v) ? v : [String(v)]) form.append(k, x);
      body = form.toString();
    }
  }
  try {
    const res = await fetch(`${f.base}${sample.path}`, { method, headers, body, redirect: 'manual', signal: controller.signal });
    let text = '';
    if (res.body) {
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      // Event streams never end: the start is enough to know they were allowed.
      while (text.length < 4000) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done || !value) break;
        text += decoder.decode(value);
        if ((res.headers.get('content-type') ?? '').includes('event-stream')) break;
      }
      controller.abort();
    }
    return { status: res.status, text };
  } finally {
    clearTimeout(timer);
  }
}

const rank = (w: Needs) => (w === 'public' || w === 'anyone' ? -1 : WHO.indexOf(w));

describe('the role table', () => {
  it('has an expectation for every route the web app serves, and none for a route it does not', () => {
    const served = f.app.routes.map((r) => `${r.method} ${r.path}`).sort();
    expect(Object.keys(table()).sort()).toEqual(served);
  });

  for (const area of ['API', 'UI'] as const) {
    it(`${area}: every route × every role is allowed, 403 or 404`, async () => {
      const failures: string[] = [];
      for (const route of f.app.routes) {
        const key = `${route.method} ${route.path}`;
        if (route.path.startsWith('/api/') !== (area === 'API')) continue;
        for (const sample of table()[key] ?? []) {
          // The admin goes last: their allowed requests are the only ones that may change the fixture.
          for (const who of WHO) {
            const { status, text } = await ask(route.method, sample, who, area === 'API');
            const allowed = rank(sample.needs) <= WHO.indexOf(who);
            const hidden = /no app named/i.test(text) && status === 404;
            const got = status === 403 ? 403 : hidden ? 404 : status === 401 ? 401 : 'allowed';
            const expected = allowed ? 'allowed' : sample.app && who === 'outsider' ? 404 : 403;
            if (sample.needs === 'public' ? got === 403 || got === 404 : got !== expected)
              failures.push(`${key} (${sample.path}) as ${who}: expected ${expected}, got ${status} ${text.replace(/\s+/g, ' ').slice(0, 160)}`);
          }
        }
      }
      expect(failures).toEqual([]);
    }, 300_000);
  }
});
