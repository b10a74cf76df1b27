// Every page of the UI renders with the view models the app produces, with nunjucks throwOnUndefined on: a template
// that reads something its model lacks fails here instead of rendering an empty string. The real web app runs
// in-process over the fake pipeline (no Docker).
import { readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClaudeSessions, type ClaudeSessions } from '../../../src/pipeline/claude-sessions/claude-sessions.js';
import { CLI_ACTOR } from '../../../src/domain/actor.js';
import { FIRST_ADMIN_ID } from '../../../src/store/people-store.js';
import { signInCookie } from '../../helpers/sign-in.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { serveWebApp, stopWebApp } from '../../helpers/serve-web-app.js';

const TOKEN = 'ui-pages-test-admin-token-0123456789';
let fp: FakePipeline;
let sessions: ClaudeSessions;
let server: Server;
let base: string;
let cookie: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  // Claude Code sessions run the stand-in program (test/fixtures/claude-stand-in/).
  fp = await createFakePipeline({
    env: { SLIPWAY_ADMIN_TOKEN: TOKEN, SLIPWAY_CLAUDE_COMMAND: join(process.cwd(), 'test/fixtures/claude-stand-in/claude-stand-in.mjs') },
  });
  sessions = await createClaudeSessions({ config: fp.config, store: fp.store, log: fp.pipeline.log }, { serverUrl: () => base });
  ({ server, base } = await serveWebApp(fp, { claudeSessions: sessions }));

  // An app with history: a first commit, a published release, a second release, a failed build and a failed deploy.
  const first = await fp.createApp('shop');
  const v1 = await fp.push('shop', { files: { 'app/main.py': 'print("v1")\n' } });
  await v1.done;
  await fp.pipeline.publish('shop', { by: 'test', waitMs: 5000 });
  const v2 = await fp.push('shop', { files: { 'app/main.py': 'print("v2")\n', 'README.md': '# shop\n' } });
  await v2.done;
  await fp.pipeline.publish('shop', { by: 'test', waitMs: 5000 });
  fp.build.next({ fail: 'Step 2/4 : RUN pip install\nERROR: no such package' });
  const broken = await fp.push('shop');
  await broken.done;
  fp.runtime.next('deploy', { fail: 'never answered on /health', logTail: 'Traceback: boom' });
  const unhealthy = await fp.push('shop');
  await unhealthy.done;
  fp.store.secrets.set('shop', 'preview', 'API_KEY', 'secret-value');
  // A scheduled job and an app that never went live.
  await fp.createApp('nightly', 'scheduled-job');
  fp.runtime.next('deploy', { fail: 'never healthy' });
  await fp.createApp('site', 'static-site');

  const deployments = fp.store.deployments.list('shop', 100);
  ids.first = first;
  ids.v1 = v1.commit;
  ids.v2 = v2.commit;
  ids.build = fp.store.builds.latestFor('shop', broken.commit)!.id;
  ids.deployment = deployments.find((d) => d.commit === unhealthy.commit)!.id;
  ids.run = (await fp.pipeline.runJob('nightly', 'preview')).id;
  ids.session = (await sessions.open('shop', { personId: FIRST_ADMIN_ID, name: 'admin', email: 'admin@example.test' }, CLI_ACTOR)).id;

  cookie = await signInCookie(base, new URL(fp.config.publicUrl).origin, TOKEN);
});

afterAll(async () => {
  await sessions?.shutdown();
  await stopWebApp(server, fp);
});

/** The URLs that render each page template, with the states worth seeing. */
const pages = (): Record<string, string[]> => ({
  'about.njk': ['/about'],
  'audit.njk': ['/audit', '/audit?app=shop&action=publish', '/audit?limit=1'],
  'people.njk': ['/settings'],
  'access.njk': ['/access?host=shop-preview.localhost&return=%2Fa%3Fb%3D1'],
  'app.njk': ['/apps/shop', '/apps/nightly', '/apps/site'],
  'commit.njk': [`/apps/shop/commits/${ids.v2}`, `/apps/shop/commits/${ids.first}`, `/apps/shop/commits/${ids.v2}?view=split`],
  'compare.njk': [`/apps/shop/compare?from=${ids.v1}&to=${ids.v2}`, '/apps/shop/compare'],
  'file-diff.njk': [
    `/apps/shop/compare/file?from=${ids.v1}&to=${ids.v2}&path=app/main.py`,
    `/apps/shop/compare/file?from=${ids.v1}&to=${ids.v2}&path=README.md`,
  ],
  'error.njk': ['/nothing-here', '/apps/nope'],
  'history.njk': ['/apps/shop/history', '/apps/site/history'],
  'home.njk': ['/'],
  'log.njk': [`/apps/shop/builds/${ids.build}`, `/apps/shop/deployments/${ids.deployment}`, `/apps/nightly/job-runs/${ids.run}`],
  'new-app.njk': ['/new-app'],
  'release.njk': ['/apps/shop/publish', '/apps/shop/rollback', '/apps/site/rollback'],
  'runtime-logs.njk': ['/apps/shop/logs', '/apps/shop/logs?environment=prod'],
  'settings.njk': ['/apps/shop/settings', '/apps/nightly/settings'],
  'session.njk': [`/apps/shop/sessions/${ids.session}`],
  'sign-in.njk': ['/sign-in'],
  'webhooks.njk': ['/apps/shop/webhooks', '/webhooks'],
});

describe('UI pages with throwOnUndefined', () => {
  it('has a URL for every page template', () => {
    const templates = readdirSync(join(fp.config.projectRoot, 'views', 'pages')).filter((f) => f.endsWith('.njk'));
    expect(Object.keys(pages()).sort()).toEqual(templates.sort());
  });

  for (const [template, urls] of Object.entries(pages())) {
    it(`renders pages/${template}`, async () => {
      for (const url of pages()[template] ?? urls) {
        const signedIn = template !== 'sign-in.njk';
        const res = await fetch(`${base}${url}`, { headers: signedIn ? { cookie } : {}, redirect: 'manual' });
        const html = await res.text();
        const expected = template === 'error.njk' ? 404 : 200;
        expect(res.status, `${url}: ${html.slice(0, 2000)}`).toBe(expected);
        expect(html, url).toMatch(/^<!doctype html>/i);
        if (template !== 'error.njk') expect(html, url).not.toMatch(/Something went wrong|undefined/);
      }
    });
  }

  it('renders the live-update fragments', async () => {
    for (const url of [
      '/apps/shop/fragments/card',
      '/apps/shop/fragments/environments',
      '/apps/shop/fragments/activity',
      '/apps/shop/fragments/generations',
      '/apps/nightly/fragments/environments',
    ]) {
      const res = await fetch(`${base}${url}`, { headers: { cookie }, redirect: 'manual' });
      const html = await res.text();
      expect(res.status, `${url}: ${html.slice(0, 2000)}`).toBe(200);
      expect(html, url).not.toMatch(/Something went wrong|undefined/);
    }
  });
});

describe('what the runtime says of what serves', () => {
  it('shows restarts and the problem on the app page and in the environments API, and nothing when all is well', async () => {
    const page = async () => (await (await fetch(`${base}/apps/shop/fragments/environments`, { headers: { cookie } })).text()).replace(/\s+/g, ' ');
    expect(await page()).not.toContain('data-health');
    fp.runtime.setHealth('shop', 'preview', { restarts: 3, problem: 'the app exited with code 1 (Error); restarting after a back-off (CrashLoopBackOff)' });
    try {
      const html = await page();
      expect(html).toMatch(
        /<dd class="reason" data-health>the app exited with code 1 \(Error\); restarting after a back-off \(CrashLoopBackOff\) <small>\(restarted 3 times\)<\/small>/,
      );
      const api = await fetch(`${base}/api/apps/shop/environments`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const { environments } = (await api.json()) as { environments: { name: string; health: unknown }[] };
      expect(environments.find((e) => e.name === 'preview')?.health).toEqual({ restarts: 3, problem: expect.stringContaining('CrashLoopBackOff') });
      expect(environments.find((e) => e.name === 'prod')?.health).toEqual({ restarts: 0, problem: null });
    } finally {
      fp.runtime.setHealth('shop', 'preview', { restarts: 0, problem: null });
    }
  });
});

describe('the about page', () => {
  it('shows the installation checks of slipway doctor, with the fix for each one that fails', async () => {
    const html = await (await fetch(`${base}/about`, { headers: { cookie } })).text();
    // This server's Docker socket does not exist: a failing check, with what to do.
    expect(html).toMatch(
      /<dt data-check="fail">Docker Engine<\/dt>\s*<dd><strong class="check-fail">failing<\/strong>:[^<]*<span class="wrap">[^<]*nonexistent[^<]*<\/span><br><small>Fix: start it/,
    );
    expect(html).toMatch(/<dt data-check="ok">Data folder disk<\/dt>\s*<dd><strong class="check-ok">ok<\/strong>: <span class="wrap">[\d.]+ GiB free of/);
    expect(html).toMatch(/<dt data-check="(ok|warn)">Anthropic API key<\/dt>/);
  });
});
