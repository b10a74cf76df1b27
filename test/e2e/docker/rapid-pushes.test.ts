// Twenty pushes in quick succession: preview ends on the last commit, queued ones in between are superseded,
// none is lost and nothing is deployed out of order.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { gitOk } from '../../helpers/git-cli.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describe('rapid pushes', () => {
  it('ends on the last of twenty commits, superseding the ones in between, in order', { timeout: 240_000 }, async () => {
    const app = 'rapid';
    expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
    const dir = mkdtempSync(join(tmpdir(), 'slipway-rapid-'));
    await gitOk(['clone', '-q', server.gitUrl(app), dir]);
    // A build step that takes a while after the site is copied, so that pushes arrive faster than deploys finish.
    const dockerfile = join(dir, 'Dockerfile');
    writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace('EXPOSE 8080', 'RUN sleep 2\nEXPOSE 8080'));
    await gitOk(['commit', '-qam', 'slow build'], { cwd: dir });
    await gitOk(['push', '-q', 'origin', 'main'], { cwd: dir });
    const shas: string[] = [];
    for (let i = 1; i <= 20; i++) {
      writeFileSync(join(dir, 'public', 'index.html'), `<!doctype html><title>r</title><h1>push ${i}</h1>\n`);
      await gitOk(['commit', '-qam', `push ${i}`], { cwd: dir });
      await gitOk(['push', '-q', '-o', 'async', 'origin', 'main'], { cwd: dir });
      shas.push((await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim());
    }
    const last = shas.at(-1)!;
    await eventually(
      async () => (await getViaProxy(server.port, `${app}-preview.localhost`)).body.includes('<h1>push 20</h1>'),
      180_000,
      'the last push to be live',
    );
    await eventually(
      async () =>
        (await server.api('GET', `/api/apps/${app}/deployments`)).body.deployments.every(
          (d: { status: string }) => !['queued', 'building', 'deploying'].includes(d.status),
        ),
      60_000,
      'the pipeline to settle',
    );

    const deployments = (
      (await server.api('GET', `/api/apps/${app}/deployments`)).body.deployments as { commit: string; status: string; trigger: string; finishedAt: string }[]
    ).filter((d) => d.trigger === 'push');
    // Every push has its record: none is lost.
    for (const sha of shas)
      expect(
        deployments.some((d) => d.commit === sha),
        sha,
      ).toBe(true);
    const byCommit = (sha: string) => deployments.filter((d) => d.commit === sha);
    expect(byCommit(last).map((d) => d.status)).toEqual(['live']);
    const superseded = deployments.filter((d) => d.status === 'superseded');
    expect(superseded.length).toBeGreaterThan(0);
    // Whatever went live did so in push order.
    const wentLive = deployments.filter((d) => d.status === 'live' || d.status === 'replaced').sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
    const order = wentLive.map((d) => shas.indexOf(d.commit));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(deployments.filter((d) => d.status === 'failed')).toEqual([]);
    // Every ref update was processed exactly once.
    // (the pass that deployed the last commit marks the updates it covered right after; wait for it)
    const updates = await eventually(
      () => {
        const list = server.deps.store.refUpdates.listForApp(app, 100);
        return list.every((u) => u.processedAt !== null) && list;
      },
      30_000,
      'every ref update to be processed',
    );
    expect(updates).toHaveLength(22); // the app's first commit, the slow-build commit and the twenty
  });
});
