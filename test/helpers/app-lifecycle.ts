// The whole life of an app from one template, as a person lives it with git: create → preview → change →
// tag v1 (production) → change and publish (v2) → force-push v1 to prod (rollback, no rebuild).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { expect } from 'vitest';
import { eventually, getViaProxy } from './app-http.js';
import { gitOk } from './git-cli.js';
import type { TestServer } from './test-server.js';

export interface TemplateProbe {
  template: string;
  /** Makes a one-line change in the clone so that the app shows `marker`. */
  change(dir: string, marker: string): void;
  /** What the environment shows now (for web apps: the body of GET /; for jobs: the output of a run). */
  read(server: TestServer, app: string, environment: 'preview' | 'prod'): Promise<string>;
}

export function setGreeting(dir: string, marker: string): void {
  const file = join(dir, 'slipway.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/GREETING: .*/, `GREETING: "${marker}"`));
}

export function readWeb(server: TestServer, app: string, environment: 'preview' | 'prod'): Promise<string> {
  return getViaProxy(server.port, environment === 'preview' ? `${app}-preview.localhost` : `${app}.localhost`).then((r) => `${r.status} ${r.body}`);
}

export async function readJob(server: TestServer, app: string, environment: 'preview' | 'prod'): Promise<string> {
  const started = await server.api('POST', `/api/apps/${app}/jobs/run`, { environment });
  if (started.status !== 202) return `run refused: ${JSON.stringify(started.body)}`;
  const id = started.body.run.id as string;
  await eventually(
    async () =>
      (await server.api('GET', `/api/apps/${app}/job-runs`)).body.runs.find((r: { id: string; status: string }) => r.id === id && r.status !== 'running'),
    60_000,
    'the job run',
  );
  const log = await fetch(`${server.url}/api/job-runs/${id}/log`, { headers: { authorization: `Bearer ${server.token}` } });
  return log.text();
}

async function push(dir: string, args: string[]): Promise<string> {
  const r = await gitOk(['push', ...args], { cwd: dir });
  return r.stderr;
}

export async function liveThroughLifecycle(server: TestServer, probe: TemplateProbe, app: string): Promise<void> {
  const created = await server.api('POST', '/api/apps', { name: app, template: probe.template });
  expect(created.status).toBe(201);
  const dir = mkdtempSync(join(tmpdir(), `slipway-${app}-`));
  await gitOk(['clone', '-q', server.gitUrl(app), dir]);

  // The first commit (the template) is built and served without anyone pushing.
  await eventually(async () => (await server.api('GET', `/api/apps/${app}/environments`)).body.environments[0].status === 'live', 90_000, 'the first preview');

  // What serves runs within the environment's limits (the start-up CPU boost has ended), without privileges.
  if (probe.read !== readJob) {
    const docker = new Docker();
    // The serving container's name carries the installation id; the labels find it without knowing that.
    const [serving] = await docker.listContainers({
      filters: { label: [`slipway.app=${app}`, 'slipway.environment=preview', 'slipway.role=web'], status: ['running'] },
    });
    const info = await docker.getContainer(serving?.Id ?? 'no serving preview container').inspect();
    expect(info.HostConfig).toMatchObject({ NanoCpus: 250_000_000, Memory: 128 * 2 ** 20, Privileged: false, SecurityOpt: ['no-new-privileges:true'] });
    expect(
      Object.values(info.NetworkSettings.Ports)
        .flat()
        .filter(Boolean)
        .map((b) => b?.HostIp),
    ).toEqual(['127.0.0.1']); // only published on loopback
    expect(info.Config.Labels).toMatchObject({ 'slipway.app': app, 'slipway.environment': 'preview' });
  }
  // A scheduled job's environment says when it runs; a web app's has no schedule.
  const preview = (await server.api('GET', `/api/apps/${app}/environments`)).body.environments[0];
  expect(preview.schedule).toBe(probe.read === readJob ? '*/5 * * * *' : null);

  // A change goes live on preview; the push output ends with the URL.
  probe.change(dir, 'first change');
  await gitOk(['commit', '-qam', 'First change'], { cwd: dir });
  const out1 = await push(dir, ['origin', 'main']);
  expect(out1).toMatch(new RegExp(`remote: preview is live: http://${app}-preview\\.localhost:${server.port}/\\s*\\n`));
  expect(await probe.read(server, app, 'preview')).toContain('first change');

  // Publishing by tag: production serves v1.
  await gitOk(['tag', 'v1'], { cwd: dir });
  const out2 = await push(dir, ['origin', 'v1']);
  expect(out2).toMatch(/remote: production is live: /);
  expect(await probe.read(server, app, 'prod')).toContain('first change');

  // v2 on main, published through the API: production serves v2.
  probe.change(dir, 'second change');
  await gitOk(['commit', '-qam', 'Second change'], { cwd: dir });
  await push(dir, ['origin', 'main']);
  expect(await probe.read(server, app, 'preview')).toContain('second change');
  const published = await server.api('POST', `/api/apps/${app}/publish`, {});
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  expect(published.body).toMatchObject({ tag: 'v2', deployment: { status: 'live', trigger: 'publish' } });
  expect(await probe.read(server, app, 'prod')).toContain('second change');

  // Rollback by pushing prod: v1 again, with no build.
  const buildsBefore = (await server.api('GET', `/api/apps/${app}/builds`)).body.builds.length;
  const out3 = await push(dir, ['-f', 'origin', 'v1:prod']);
  expect(out3).toMatch(/image of [0-9a-f]{12} reused|production is live/);
  expect(await probe.read(server, app, 'prod')).toContain('first change');
  expect((await server.api('GET', `/api/apps/${app}/builds`)).body.builds.length).toBe(buildsBefore);
  const envs = (await server.api('GET', `/api/apps/${app}/environments`)).body.environments;
  expect(envs.find((e: { name: string }) => e.name === 'prod')).toMatchObject({ status: 'live', release: 'v1' });
}
