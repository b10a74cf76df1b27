// Three apps pushed at the same moment with SLIPWAY_BUILD_CONCURRENCY=1: their builds run one after another, the
// pushes that wait say their place in the queue before their build starts, and every preview ends serving its
// own commit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForPreview } from '../../helpers/e2e-api.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
const clones: Clone[] = [];
beforeAll(async () => {
  server = await startTestServer({ SLIPWAY_BUILD_CONCURRENCY: '1' });
});
afterAll(async () => {
  for (const c of clones) c.remove();
  await server?.stop();
});

const page = (marker: string) => `<!doctype html><title>${marker}</title><h1>${marker}</h1>\n`;

describe('builds wait in turn', () => {
  it('three pushes at once with one build slot: the later ones are queued, say so, and all go live', { timeout: 300_000 }, async () => {
    const apps = ['queue-a', 'queue-b', 'queue-c'];
    for (const app of apps) {
      expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
      await waitForPreview(server.port, app, 'Hello from Slipway', 120_000);
      const clone = await cloneApp(server.gitUrl(app));
      // A build that takes a while, so that the three overlap.
      const dockerfile = join(clone.dir, 'Dockerfile');
      const slow = readFileSync(dockerfile, 'utf8').replace('EXPOSE 8080', 'RUN sleep 2\nEXPOSE 8080');
      await clone.commit({ Dockerfile: slow, 'public/index.html': page(`${app} pushed`) }, 'a slow build');
      clones.push(clone);
    }

    const pushes = await Promise.all(clones.map((c) => c.push('origin', 'main')));
    for (const p of pushes) expect(p.code, p.output).toBe(0);

    const queued = pushes.filter((p) => /remote: queued: position \d of \d \(1 build running\)/.test(p.output));
    expect(queued.length, pushes.map((p) => p.output).join('\n----\n')).toBeGreaterThanOrEqual(2);
    for (const [i, p] of pushes.entries()) {
      const sha = (await clones[i]!.head()).slice(0, 12);
      if (queued.includes(p)) expect(p.output.indexOf('queued: position')).toBeLessThan(p.output.indexOf(`building ${sha}…`));
      expect(p.output).toContain(`preview is live: http://${apps[i]}-preview.localhost`);
      await waitForPreview(server.port, apps[i]!, `${apps[i]} pushed`);
    }

    // One build at a time: the three builds of the pushed commits never overlap.
    const builds = await Promise.all(
      clones.map(async (c, i) => {
        const head = await c.head();
        const all = (await server.api('GET', `/api/apps/${apps[i]}/builds`)).body.builds as {
          commit: string;
          status: string;
          startedAt: string;
          finishedAt: string;
        }[];
        return all.find((b) => b.commit === head)!;
      }),
    );
    expect(builds.map((b) => b.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const spans = builds.map((b) => [Date.parse(b.startedAt), Date.parse(b.finishedAt)] as const).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });
});
