// A queued build that a newer push to the same ref supersedes is dropped unstarted: with one build slot taken by
// another app's slow build, push A waits in the queue; push B to the same app moves main on; A leaves the queue
// (its push says so), only B is built and goes live, and A's commit stays in the history.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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

interface BuildRow {
  commit: string;
  status: string;
  error: string | null;
}

async function buildsOf(app: string): Promise<BuildRow[]> {
  return (await server.api('GET', `/api/apps/${app}/builds`)).body.builds as BuildRow[];
}

async function clone(app: string): Promise<Clone> {
  const c = await cloneApp(server.gitUrl(app));
  clones.push(c);
  return c;
}

describe('a queued build superseded by a newer push', () => {
  it('is dropped unstarted: the older push says so, only the newest commit builds and goes live', { timeout: 300_000 }, async () => {
    for (const app of ['sup-slow', 'sup-app']) {
      expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
      await waitForPreview(server.port, app, 'Hello from Slipway', 120_000);
    }
    // The other app's build holds the only slot for a while.
    const slow = await clone('sup-slow');
    const dockerfile = readFileSync(join(slow.dir, 'Dockerfile'), 'utf8').replace('EXPOSE 8080', 'RUN sleep 8\nEXPOSE 8080');
    await slow.commit({ Dockerfile: dockerfile, 'public/index.html': page('slow pushed') }, 'a slow build');
    const slowPush = slow.push('origin', 'main');
    await until(async () => (await buildsOf('sup-slow')).some((b) => b.status === 'building'), 'the slow build to start');

    // Push A: its build waits behind the slow one.
    const a = await clone('sup-app');
    await a.commit({ 'public/index.html': page('commit A') }, 'commit A');
    const shaA = await a.head();
    const pushA = a.push('origin', 'main');
    await until(async () => (await buildsOf('sup-app')).some((b) => b.commit === shaA && b.status === 'queued'), "A's build to queue");

    // Push B to the same app, from another clone, while A waits.
    const b = await clone('sup-app');
    await b.commit({ 'public/index.html': page('commit B') }, 'commit B');
    const shaB = await b.head();
    const [outA, outB, outSlow] = await Promise.all([pushA, b.push('origin', 'main'), slowPush]);
    for (const p of [outA, outB, outSlow]) expect(p.code, p.output).toBe(0);

    // A's push says why it never built, and never says it built.
    expect(outA.output).toContain(`${shaA.slice(0, 12)} not built: refs/heads/main moved on to a newer commit while it waited for a build slot`);
    expect(outA.output).toContain(`preview: ${shaA.slice(0, 12)} was superseded by a newer commit`);
    expect(outA.output).not.toContain(`building ${shaA.slice(0, 12)}…`);
    expect(outB.output).toContain(`built ${shaB.slice(0, 12)}`);
    expect(outB.output).toContain('preview is live: http://sup-app-preview.localhost');
    await waitForPreview(server.port, 'sup-app', 'commit B');
    await waitForPreview(server.port, 'sup-slow', 'slow pushed');

    // The records: A's build superseded unstarted, B's built once.
    const builds = await buildsOf('sup-app');
    expect(builds.filter((x) => x.commit === shaA).map((x) => x.status)).toEqual(['superseded']);
    expect(builds.filter((x) => x.commit === shaB).map((x) => x.status)).toEqual(['succeeded']);

    // Nothing lost: a fresh clone's main is B on top of A.
    const fresh = await clone('sup-app');
    expect(execFileSync('git', ['log', '--format=%H', '-2'], { cwd: fresh.dir, encoding: 'utf8' }).trim().split('\n')).toEqual([shaB, shaA]);
  });
});

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
