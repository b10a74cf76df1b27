// A preview per branch on the real Docker Engine, through Slipway's Host-header proxy on 127.0.0.1: push `feature/x`
// → live at APP--SLUG-preview.localhost:PORT; push `main` → main's preview moves, the branch's does not; the sixth
// branch is refused (SLIPWAY_MAX_BRANCH_PREVIEWS, default 5) with nothing pushed; delete the branch → its host
// answers 404 and its container is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { branchSlug } from '../../../src/domain/branch-environment.js';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { containersOf, removeAppFromDocker, servingContainerName, uniqueAppName } from '../../helpers/e2e-docker.js';
import { cloneApp, wsAppFiles, type Clone } from '../../helpers/e2e-git.js';
import { git } from '../../helpers/git-cli.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const app = uniqueAppName('branch');
const slug = branchSlug('feature/x');

let server: TestServer;
let clone: Clone;
let previewHost: string;
let branchHost: string;

beforeAll(async () => {
  server = await startTestServer();
  previewHost = `${app}-preview.localhost:${server.port}`;
  branchHost = `${app}--${slug}-preview.localhost:${server.port}`;
  expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
  clone = await cloneApp(server.gitUrl(app));
}, 60_000);

afterAll(async () => {
  try {
    await server?.stop();
  } finally {
    clone?.remove();
    await removeAppFromDocker(app);
  }
});

describe('branch previews on Docker', () => {
  let mainCommit: string;
  let branchCommit: string;

  it('a pushed branch is live at its own host, and main keeps its preview', { timeout: 240_000 }, async () => {
    mainCommit = await clone.commit(wsAppFiles(clone, 'from main'), 'The ws-app on main');
    expect((await clone.push('origin', 'main')).output).toContain(`remote: preview is live: http://${previewHost}/`);

    await git(['checkout', '-qb', 'feature/x'], { cwd: clone.dir });
    branchCommit = await clone.commit({ 'slipway.yaml': wsAppFiles(clone, 'from feature/x')['slipway.yaml']! }, 'A greeting of its own');
    const pushed = await clone.push('origin', 'feature/x');
    expect(pushed.code).toBe(0);
    const remote = pushed.output.split('\n').filter((l) => l.startsWith('remote: '));
    expect(remote.at(-1)?.trim()).toBe(`remote: preview of feature/x is live: http://${branchHost}/`);

    expect(await getViaProxy(server.port, branchHost)).toMatchObject({
      status: 200,
      body: `ws-app env=preview--${slug} commit=${branchCommit.slice(0, 12)} greeting=from feature/x\n`,
    });
    expect(await getViaProxy(server.port, previewHost)).toMatchObject({
      status: 200,
      body: `ws-app env=preview commit=${mainCommit.slice(0, 12)} greeting=from main\n`,
    });
  });

  it("a push to main moves main's preview and leaves the branch preview as it was", { timeout: 180_000 }, async () => {
    const branchContainer = (await containersOf(app)).find((c) => c.name === servingContainerName(server.dataDir, app, `preview--${slug}`));
    expect(branchContainer).toMatchObject({ state: 'running', commit: branchCommit });
    await git(['checkout', '-q', 'main'], { cwd: clone.dir });
    mainCommit = await clone.commit({ 'slipway.yaml': wsAppFiles(clone, 'main again')['slipway.yaml']! }, 'Main moves on');
    expect((await clone.push('origin', 'main')).output).toContain(`remote: preview is live: http://${previewHost}/`);
    expect((await getViaProxy(server.port, previewHost)).body).toBe(`ws-app env=preview commit=${mainCommit.slice(0, 12)} greeting=main again\n`);
    expect((await getViaProxy(server.port, branchHost)).body).toBe(`ws-app env=preview--${slug} commit=${branchCommit.slice(0, 12)} greeting=from feature/x\n`);
    expect((await containersOf(app)).find((c) => c.name === branchContainer!.name)).toEqual(branchContainer);
  });

  it('the sixth branch is refused, with nothing of its push kept', { timeout: 240_000 }, async () => {
    // Four more branches of main's commit (built already: no build, only containers) make five.
    const four = await clone.push('origin', ...['b2', 'b3', 'b4', 'b5'].map((b) => `main:refs/heads/${b}`));
    expect(four.code).toBe(0);
    const sixth = await clone.push('origin', 'main:refs/heads/b6');
    expect(sixth.code).not.toBe(0);
    expect(sixth.output).toMatch(/remote: refused refs\/heads\/b6: branch b6 would be one branch preview too many: app \S+ has 5 of at most 5: /);
    expect((await git(['ls-remote', 'origin'], { cwd: clone.dir })).stdout).not.toContain('refs/heads/b6');
    await eventually(async () => (await getViaProxy(server.port, `${app}--b5-preview.localhost:${server.port}`)).status === 200, 60_000, 'branch b5');
    for (const b of ['b2', 'b3', 'b4', 'b5']) expect((await clone.push('origin', '--delete', b)).code).toBe(0);
  });

  it('deleting the branch removes its preview: 404 at its host, its container gone', { timeout: 120_000 }, async () => {
    const deleted = await clone.push('origin', '--delete', 'feature/x');
    expect(deleted.code).toBe(0);
    expect(deleted.output).toContain('remote: feature/x: its branch preview is removed');
    const gone = await getViaProxy(server.port, branchHost);
    expect(gone.status).toBe(404);
    expect(gone.body).toContain('No branch preview here');
    expect((await containersOf(app)).map((c) => c.name).filter((n) => n.includes('--'))).toEqual([]);
    // main's preview serves on.
    expect((await getViaProxy(server.port, previewHost)).status).toBe(200);
    const json = await server.api('GET', `/api/apps/${app}`);
    expect(json.body.app.branchPreviews).toEqual([]);
  });
});
