// The production rule and the intake as a person meets them with git and the API on the real Docker Engine: an
// annotated release tag publishes what it names, a move of `prod` is labelled by its direction, the release plan
// the API shows is what publish applies, and a push reports only the work it caused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { waitForPreview } from '../../helpers/e2e-api.js';
import { removeAppFromDocker, uniqueAppName } from '../../helpers/e2e-docker.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { gitOk } from '../../helpers/git-cli.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const app = uniqueAppName('policy');
const page = (marker: string) => `<!doctype html><title>${marker}</title><h1>${marker}</h1>\n`;
const dockerfile = readFileSync(join(import.meta.dirname, '..', '..', '..', 'app-templates', 'static-site', 'Dockerfile'), 'utf8');

let server: TestServer;
let clone: Clone;
const commits: Record<string, string> = {};

async function deploymentsOf(environment: string): Promise<Record<string, any>[]> {
  return ((await server.api('GET', `/api/apps/${app}/deployments`)).body.deployments as Record<string, any>[]).filter((d) => d.environment === environment);
}

beforeAll(async () => {
  server = await startTestServer();
  expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
  clone = await cloneApp(server.gitUrl(app));
  for (const n of ['one', 'two', 'three']) {
    commits[n] = await clone.commit({ 'public/index.html': page(`page ${n}`) }, `Page ${n}`);
    const pushed = await clone.push('origin', 'main');
    expect(pushed.code, pushed.output).toBe(0);
  }
  await waitForPreview(server.port, app, 'page three', 30_000);
}, 180_000);

afterAll(async () => {
  try {
    await server?.stop();
  } finally {
    clone?.remove();
    await removeAppFromDocker(app);
  }
});

describe('the production rule, end to end', () => {
  it('publishes the commit an annotated release tag names (the tag object is peeled)', { timeout: 90_000 }, async () => {
    await gitOk(['tag', '-a', 'v1', '-m', 'Release one', commits.one!], { cwd: clone.dir });
    const pushed = await clone.push('origin', 'v1');
    expect(pushed.code, pushed.output).toBe(0);
    expect(pushed.output).toMatch(/remote: production is live: http:\/\//);
    const prod = await getViaProxy(server.port, `${app}.localhost`);
    expect(prod.body).toContain('page one');
    const [latest] = await deploymentsOf('prod');
    expect(latest).toMatchObject({ commit: commits.one, status: 'live', trigger: 'publish' });
    const refs = (await server.api('GET', `/api/apps/${app}/environments`)).body.environments.find((e: { name: string }) => e.name === 'prod');
    expect(refs).toMatchObject({ commit: commits.one });
  });

  it('labels a forward push to prod a publish and a backward one a rollback', { timeout: 90_000 }, async () => {
    const forward = await clone.push('origin', `${commits.three!}:refs/heads/prod`);
    expect(forward.code, forward.output).toBe(0);
    expect((await getViaProxy(server.port, `${app}.localhost`)).body).toContain('page three');
    expect((await deploymentsOf('prod'))[0]).toMatchObject({ commit: commits.three, trigger: 'publish', status: 'live' });

    const back = await clone.push('-f', 'origin', `${commits.two!}:refs/heads/prod`);
    expect(back.code, back.output).toBe(0);
    expect((await getViaProxy(server.port, `${app}.localhost`)).body).toContain('page two');
    expect((await deploymentsOf('prod'))[0]).toMatchObject({ commit: commits.two, trigger: 'rollback', status: 'live' });
  });

  it('shows the release plan through the API, and publish applies exactly that plan', { timeout: 90_000 }, async () => {
    const planned = await server.api('GET', `/api/apps/${app}/release-plan?action=publish`);
    expect(planned.status).toBe(200);
    const { plan } = planned.body;
    expect(plan).toMatchObject({ action: 'publish', direction: 'forward', trigger: 'publish', tag: 'v2', createsTag: true, blockers: [] });
    expect(plan.to.commit).toBe(commits.three);
    expect(plan.from.commit).toBe(commits.two);
    expect(plan.commitsInTotal).toBe(1);

    const published = await server.api('POST', `/api/apps/${app}/publish`, {});
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ action: 'publish', tag: 'v2', commit: plan.to.commit, deployment: { status: 'live', trigger: 'publish' } });
    expect((await getViaProxy(server.port, `${app}.localhost`)).body).toContain('page three');

    // Nothing left to publish: the plan says why, and publish refuses with the same words.
    const again = (await server.api('GET', `/api/apps/${app}/release-plan?action=publish`)).body.plan;
    expect(again.blockers).toEqual([`production already runs ${commits.three!.slice(0, 12)}.`]);
    const refused = await server.api('POST', `/api/apps/${app}/publish`, {});
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toContain(`production already runs ${commits.three!.slice(0, 12)}.`);

    const rollbackPlan = (await server.api('GET', `/api/apps/${app}/release-plan?action=rollback`)).body.plan;
    expect(rollbackPlan).toMatchObject({ action: 'rollback', direction: 'back', trigger: 'rollback', tag: 'v1', createsTag: false });
    expect((await server.api('GET', `/api/apps/${app}/release-plan?action=sideways`)).status).toBe(400);
  });

  it('reports in a push only the deployment that push caused, not a later push’s build', { timeout: 120_000 }, async () => {
    // A build slow enough that a second push lands while the first is building.
    const slow = await clone.commit({ Dockerfile: dockerfile.replace(/^(FROM .*)$/m, '$1\nRUN sleep 4'), 'public/index.html': page('slow') }, 'Slow build');
    const other = await cloneApp(server.gitUrl(app));
    try {
      const first = clone.push('origin', 'main');
      await eventually(async () => (await deploymentsOf('preview')).some((d) => d.commit === slow && d.status === 'building'), 30_000, 'the slow build');
      await gitOk(['pull', '-q', '--rebase', 'origin', 'main'], { cwd: other.dir }).catch(() => undefined);
      await gitOk(['fetch', '-q', 'origin'], { cwd: other.dir });
      await gitOk(['reset', '-q', '--hard', slow], { cwd: other.dir });
      const later = await other.commit(
        { Dockerfile: dockerfile.replace(/^(FROM .*)$/m, '$1\nRUN echo slipway-later-build-marker'), 'public/index.html': page('later') },
        'Later',
      );
      const second = await other.push('-o', 'async', 'origin', 'main');
      expect(second.code, second.output).toBe(0);
      const out = (await first).output;
      expect(out).toContain(`building ${slow.slice(0, 12)}`);
      expect(out).not.toContain(`building ${later.slice(0, 12)}`);
      expect(out).not.toContain(`built ${later.slice(0, 12)}`);
      expect(out).not.toContain('slipway-later-build-marker');
      expect(out).toContain(`preview: ${slow.slice(0, 12)} was superseded by a newer commit`);
      await waitForPreview(server.port, app, 'later', 60_000);
    } finally {
      other.remove();
    }
  });
});
