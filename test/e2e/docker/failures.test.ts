// What a person sees when a commit cannot go live, on the real Docker Engine: a broken Dockerfile (the push shows
// Docker's error, preview keeps the previous commit, a release tag on it is refused) and an app that never gets
// healthy (the old container keeps serving, the deployment is failed with the container's log tail); an app whose
// process exits (Docker restarts it, and the environment counts the restarts).
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { waitForPreview } from '../../helpers/e2e-api.js';
import { containersOf, removeAppFromDocker, servingContainerName, uniqueAppName } from '../../helpers/e2e-docker.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { git } from '../../helpers/git-cli.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const app = uniqueAppName('fail');
const page = (marker: string) => `<!doctype html><title>${marker}</title><h1>${marker}</h1>\n`;
const templateDockerfile = readFileSync(join(import.meta.dirname, '..', '..', '..', 'app-templates', 'static-site', 'Dockerfile'), 'utf8');

let server: TestServer;
let clone: Clone;
let good: string;
// Fewer health attempts than the shipped 120 (× 0.25 s), so that the never-healthy commit fails in seconds.
const environmentsDir = mkdtempSync(join(tmpdir(), 'slipway-envs-'));

beforeAll(async () => {
  cpSync(join(import.meta.dirname, '..', '..', '..', 'environments'), environmentsDir, { recursive: true });
  for (const f of readdirSync(environmentsDir)) {
    const file = join(environmentsDir, f);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/attempts: \d+/, 'attempts: 20'));
  }
  server = await startTestServer({ SLIPWAY_ENVIRONMENTS_DIR: environmentsDir });
  expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
  clone = await cloneApp(server.gitUrl(app));
  good = await clone.commit({ 'public/index.html': page('good commit') }, 'A good page');
  const pushed = await clone.push('origin', 'main');
  expect(pushed.code, pushed.output).toBe(0);
  expect(pushed.output).toMatch(/remote: preview is live: /);
  await waitForPreview(server.port, app, 'good commit', 10_000);
}, 120_000);

afterAll(async () => {
  try {
    await server?.stop();
  } finally {
    clone?.remove();
    rmSync(environmentsDir, { recursive: true, force: true });
    await removeAppFromDocker(app);
  }
});

async function deploymentOf(commit: string): Promise<Record<string, any>> {
  const list = (await server.api('GET', `/api/apps/${app}/deployments`)).body.deployments as Record<string, any>[];
  const d = list.find((x) => x.commit === commit && x.environment === 'preview');
  if (!d) throw new Error(`no preview deployment of ${commit}: ${JSON.stringify(list)}`);
  return d;
}

describe('a commit that cannot go live', () => {
  it(
    'with a broken Dockerfile: the push shows the Docker error, preview keeps the previous commit, a v* tag on it is refused',
    { timeout: 90_000 },
    async () => {
      const broken = await clone.commit(
        { Dockerfile: templateDockerfile.replace(/^(FROM .*)$/m, '$1\nRUN echo slipway-broken-step && exit 3'), 'public/index.html': page('broken commit') },
        'Break the build',
      );
      const pushed = await clone.push('origin', 'main');
      expect(pushed.code, 'the push itself is accepted').toBe(0);
      // Docker's own words reach the pusher, then the verdict and what still serves.
      expect(pushed.output).toMatch(/remote: .*slipway-broken-step/);
      expect(pushed.output).toMatch(/remote: .*returned a non-zero code: 3/);
      expect(pushed.output).toContain(`remote: preview deploy of ${broken.slice(0, 12)} FAILED: the build failed: `);
      expect(pushed.output).toContain(`remote:   preview still serves ${good.slice(0, 12)}`);

      const build = (await server.api('GET', `/api/apps/${app}/builds`)).body.builds.find((b: { commit: string }) => b.commit === broken);
      expect(build).toMatchObject({ status: 'failed', needsPerson: 1 });
      expect(build.error).toMatch(/returned a non-zero code: 3/);
      expect(await deploymentOf(broken)).toMatchObject({ status: 'failed', appliedCommit: good });

      const preview = await getViaProxy(server.port, `${app}-preview.localhost`);
      expect(preview.status).toBe(200);
      expect(preview.body).toContain('good commit');

      // Publishing the broken commit is refused before any ref moves: a lightweight tag and an annotated one
      // (a tag object of its own, peeled to the commit it names) alike, so the release name is not used up.
      expect((await git(['tag', 'v1'], { cwd: clone.dir })).code).toBe(0);
      const tagged = await clone.push('origin', 'v1');
      expect(tagged.code, tagged.output).not.toBe(0);
      expect(tagged.output).toContain(`remote: refused refs/tags/v1: The build of ${broken.slice(0, 12)} failed, so it cannot go to production: `);
      expect(tagged.output).toMatch(/remote: refused refs\/tags\/v1: .*returned a non-zero code: 3/);
      expect(tagged.output).toMatch(/\[remote rejected\] v1 -> v1 \(pre-receive hook declined\)/);
      expect((await git(['tag', '-a', 'v2', '-m', 'Release 2'], { cwd: clone.dir })).code).toBe(0);
      const annotated = await clone.push('origin', 'v2');
      expect(annotated.code, annotated.output).not.toBe(0);
      expect(annotated.output).toContain(`remote: refused refs/tags/v2: The build of ${broken.slice(0, 12)} failed, so it cannot go to production: `);
      expect(annotated.output).toMatch(/\[remote rejected\] v2 -> v2 \(pre-receive hook declined\)/);
      const remoteRefs = await git(['ls-remote', 'origin'], { cwd: clone.dir });
      expect(remoteRefs.stdout).not.toMatch(/refs\/tags\/v1|refs\/tags\/v2|refs\/heads\/prod/);
      expect((await getViaProxy(server.port, `${app}.localhost`)).status).toBe(502);
    },
  );

  it('whose app never answers its health check: the old container keeps serving, the deployment is failed with the log tail', { timeout: 90_000 }, async () => {
    const unhealthy = await clone.commit(
      {
        Dockerfile: templateDockerfile.replace(/^CMD .*$/m, 'CMD ["sh", "-c", "echo slipway-never-listens-marker; exec sleep 3600"]'),
        'public/index.html': page('unhealthy commit'),
      },
      'Never listen',
    );
    const pushed = await clone.push('origin', 'main');
    expect(pushed.code).toBe(0);
    expect(pushed.output).toContain(`remote: built ${unhealthy.slice(0, 12)}`);
    expect(pushed.output).toContain(`remote: preview deploy of ${unhealthy.slice(0, 12)} FAILED: /health did not answer 200 after 20 attempts`);
    expect(pushed.output).toMatch(/remote: .*slipway-never-listens-marker/);
    expect(pushed.output).toContain(`remote:   preview still serves ${good.slice(0, 12)}`);

    const d = await deploymentOf(unhealthy);
    expect(d).toMatchObject({ status: 'failed', needsPerson: 1, appliedCommit: good });
    expect(d.reason).toMatch(/\/health did not answer 200 after 20 attempts/);
    expect(d.reason).toContain('slipway-never-listens-marker');
    const envs = (await server.api('GET', `/api/apps/${app}/environments`)).body.environments;
    expect(envs.find((e: { name: string }) => e.name === 'preview')).toMatchObject({ commit: unhealthy, appliedCommit: good, status: 'failed' });

    const preview = await getViaProxy(server.port, `${app}-preview.localhost`);
    expect(preview.status).toBe(200);
    expect(preview.body).toContain('good commit');
    // The candidate is gone; the container that served before is the one serving now.
    expect(
      await eventually(
        async () => {
          const cs = await containersOf(app);
          return cs.length === 1 ? cs : null;
        },
        15_000,
        'only the serving container',
      ),
    ).toEqual([{ name: servingContainerName(server.config.dataDir, app), state: 'running', commit: good }]);
  });

  it('whose serving process exits: Docker starts it again, and the environment says how many times', { timeout: 60_000 }, async () => {
    const preview = () =>
      server.api('GET', `/api/apps/${app}/environments`).then((r) => r.body.environments.find((e: { name: string }) => e.name === 'preview'));
    expect((await preview()).health).toEqual({ restarts: 0, problem: null });
    // The app's main process exits on its own (nginx ends on SIGTERM), as a crash would end it.
    const container = new Docker().getContainer(servingContainerName(server.config.dataDir, app));
    const exec = await container.exec({ Cmd: ['sh', '-c', 'kill 1'], AttachStdout: true, AttachStderr: true });
    await exec.start({ Detach: true });
    const health = await eventually(async () => ((await preview()).health?.restarts > 0 ? (await preview()).health : null), 20_000, 'a restart');
    expect(health.restarts).toBeGreaterThanOrEqual(1);
    await waitForPreview(server.port, app, 'good commit', 15_000);
  });
});
