// Retention on the real Docker Engine and registry, lived as a person does with git: 15 pushes and 12 releases with
// small limits leave exactly the images (in Docker and in the registry) and the logs the rule keeps, while each
// environment still serves; a rollback to a release whose image was removed builds it again, says so in the plan,
// the API's answer and the push output, and serves it; deleting the app removes its images and logs.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifestDigest } from '../../../src/build/registry-manifests.js';
import { eventually } from '../../helpers/app-http.js';
import { readWeb } from '../../helpers/app-lifecycle.js';
import { uniqueAppName } from '../../helpers/e2e-docker.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const run = promisify(execFile);
const REGISTRY = 'localhost:5050';
const app = uniqueAppName('keep');
const repository = `${REGISTRY}/${app}`;
let server: TestServer;
let clone: Clone;

beforeAll(async () => {
  server = await startTestServer({ SLIPWAY_REGISTRY: REGISTRY, SLIPWAY_KEEP_RELEASES: '3', SLIPWAY_KEEP_BUILDS: '2', SLIPWAY_KEEP_LOGS: '5' });
});
afterAll(async () => {
  clone?.remove();
  await server?.stop();
});

const tag = (commit: string) => commit.slice(0, 12);
/** The app's image tags the Docker Engine has. */
async function dockerTags(): Promise<string[]> {
  const { stdout } = await run('docker', ['images', '--format', '{{.Tag}}', repository]);
  return stdout.split('\n').filter(Boolean).sort();
}
async function registryTags(commits: readonly string[]): Promise<string[]> {
  const present: string[] = [];
  for (const c of commits) if (await readManifestDigest(repository, tag(c))) present.push(tag(c));
  return present.sort();
}
const logFiles = (kind: string) => readdirSync(join(server.dataDir, 'logs', kind)).sort();
const idsOf = (records: { id: string }[]) => records.map((r) => `${r.id}.log`).sort();

async function change(marker: string): Promise<string> {
  const f = join(clone.dir, 'public', 'index.html');
  writeFileSync(f, readFileSync(f, 'utf8').replace(/<h1>.*<\/h1>/, `<h1>${marker}</h1>`));
  return clone.commit({}, marker);
}

describe('retention', () => {
  it('keeps exactly what the limits say after 15 pushes and 12 releases, and rebuilds a pruned release on rollback', { timeout: 600_000 }, async () => {
    const created = await server.api('POST', '/api/apps', { name: app, template: 'static-site' });
    expect(created.status).toBe(201);
    const commits = [created.body.app.commit as string];
    clone = await cloneApp(server.gitUrl(app));
    await eventually(
      async () => (await server.api('GET', `/api/apps/${app}/environments`)).body.environments[0].status === 'live',
      90_000,
      'the first preview',
    );

    // 15 pushes; from the 4th on, each is released by a tag (v1 … v12 on commits 4 … 15).
    for (let i = 1; i <= 15; i++) {
      commits.push(await change(`version ${i}`));
      const pushed = await clone.push('origin', 'main');
      expect(pushed.output).toMatch(/remote: preview is live: /);
      if (i >= 4) {
        await run('git', ['tag', `v${i - 3}`], { cwd: clone.dir });
        const released = await clone.push('origin', `v${i - 3}`);
        expect(released.output).toMatch(/remote: production is live: /);
      }
    }

    // Kept: commit 15 (preview and production run it, v12), the 3 newest releases besides it (v11, v10, v9: commits
    // 14, 13, 12) and the 2 newest builds (15, 14). Retention runs by itself after each deployment.
    const kept = [15, 14, 13, 12].map((i) => tag(commits[i]!)).sort();
    await eventually(async () => (await dockerTags()).join() === kept.join(), 60_000, `only ${kept.join(', ')} in Docker`);
    expect(await dockerTags()).toEqual(kept);
    // Each image leaves Docker first, then the registry: the last one's registry copy may still be going.
    await eventually(async () => (await registryTags(commits)).join() === kept.join(), 30_000, `only ${kept.join(', ')} in the registry`);
    expect(await registryTags(commits)).toEqual(kept);

    // Logs: the 5 newest of each kind (those of what serves are among them); every older file is gone, its row marked.
    const builds = (await server.api('GET', `/api/apps/${app}/builds`)).body.builds as { id: string; logRemovedAt: string | null }[];
    const deployments = (await server.api('GET', `/api/apps/${app}/deployments`)).body.deployments as { id: string; logRemovedAt: string | null }[];
    expect(builds).toHaveLength(16);
    expect(deployments).toHaveLength(28); // 16 preview (the first commit and 15 pushes) and 12 production
    await eventually(() => logFiles('deployments').length === 5, 30_000, 'five deployment logs');
    expect(logFiles('builds')).toEqual(idsOf(builds.slice(0, 5)));
    expect(logFiles('deployments')).toEqual(idsOf(deployments.slice(0, 5)));
    const marked = async (kind: 'builds' | 'deployments') =>
      ((await server.api('GET', `/api/apps/${app}/${kind}`)).body[kind] as { logRemovedAt: string | null }[]).map((r) => r.logRemovedAt !== null);
    expect(await marked('builds')).toEqual([...Array(5).fill(false), ...Array(11).fill(true)]);

    // Each environment still serves.
    expect(await readWeb(server, app, 'preview')).toMatch(/^200 [\s\S]*version 15/);
    expect(await readWeb(server, app, 'prod')).toMatch(/^200 [\s\S]*version 15/);

    // Disk use says what remains.
    const use = (await server.api('GET', `/api/apps/${app}`)).body.app.diskUse;
    expect(use).toMatchObject({ imageCount: 4, logCount: 10 });
    expect(use.imageBytes).toBeGreaterThan(0);

    // Rolling back (from Slipway) to v2, whose image was removed: the plan says it is built again, and it serves.
    const plan = (await server.api('GET', `/api/apps/${app}/release-plan?action=rollback&to=v2`)).body.plan;
    expect(plan).toMatchObject({ blockers: [], to: { tag: 'v2', commit: commits[5] } });
    expect(plan.rebuild).toBe(
      'The image of v2 was removed by retention, so it is built again first; production keeps running v12 until v2 is built and healthy.',
    );
    const rolledBack = await server.api('POST', `/api/apps/${app}/rollback`, { to: 'v2' });
    expect(rolledBack.status, JSON.stringify(rolledBack.body)).toBe(200);
    expect(rolledBack.body).toMatchObject({ tag: 'v2', rebuild: plan.rebuild, deployment: { status: 'live', trigger: 'rollback' } });
    expect(await readWeb(server, app, 'prod')).toMatch(/version 5/);
    expect(await dockerTags()).toContain(tag(commits[5]!));
    expect(await readManifestDigest(repository, tag(commits[5]!))).toMatch(/^sha256:/);

    // Rolling back by a push to prod, to v1 (removed too): the push output says it is built again.
    const pushed = await clone.push('-f', 'origin', 'v1:prod');
    expect(pushed.output).toContain(`remote: the image of ${tag(commits[4]!)} was removed by retention: building it again…`);
    expect(pushed.output).toMatch(/remote: production is live: /);
    expect(await readWeb(server, app, 'prod')).toMatch(/version 4/);
    expect(await readWeb(server, app, 'preview')).toMatch(/version 15/);

    // Deleting the app removes its images, in Docker and in the registry, and its logs.
    const names = await dockerTags();
    expect(names.length).toBeGreaterThan(0);
    expect((await server.api('DELETE', `/api/apps/${app}`)).status).toBe(204);
    expect(await dockerTags()).toEqual([]);
    expect(await registryTags(commits)).toEqual([]);
    expect(logFiles('builds')).toEqual([]);
    expect(logFiles('deployments')).toEqual([]);
  });
});
