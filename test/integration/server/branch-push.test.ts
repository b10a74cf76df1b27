// Branch previews through git itself: the git CLI pushes to the real web app in-process (the smart-HTTP bridge, the
// pre-receive and post-receive hooks as processes, which need `npm run build`) over the fake pipeline, whose engine
// is the fake runtime: no Docker. What the pusher reads is what is asserted.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { branchSlug } from '../../../src/domain/branch-environment.js';
import { createWebApp } from '../../../src/web/create-web-app.js';
import { cloneApp, type Clone } from '../../helpers/e2e-git.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { git } from '../../helpers/git-cli.js';

const TOKEN = 'branch-push-test-admin-token-012345';
const HOOK_SECRET = 'branch-push-test-hook-secret-0123456';
let fp: FakePipeline;
let server: Server;
let clone: Clone;
let port = 0;

beforeAll(async () => {
  fp = await createFakePipeline({ env: { SLIPWAY_ADMIN_TOKEN: TOKEN, SLIPWAY_MAX_BRANCH_PREVIEWS: '2' } });
  const app = createWebApp({
    pipeline: fp.pipeline,
    hookSecret: HOOK_SECRET,
    hookEnv: () => ({
      SLIPWAY_HOOK_URL: `http://127.0.0.1:${port}/internal/hooks`,
      SLIPWAY_HOOK_SECRET: HOOK_SECRET,
      SLIPWAY_NODE: process.execPath,
      SLIPWAY_CLI: join(fp.config.projectRoot, 'dist', 'src', 'main.js'),
    }),
  });
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  await fp.createApp('shop');
  clone = await cloneApp(`http://slipway:${TOKEN}@127.0.0.1:${port}/git/shop.git`);
});

afterAll(async () => {
  clone?.remove();
  await new Promise((resolve) => server?.close(resolve));
  await fp?.dispose();
});

describe('pushing branches with git', () => {
  it('a new branch is built and deployed to its own host; the push ends with its URL', async () => {
    const commit = await clone.commit({ 'app/login.py': 'print("login")\n' }, 'Log in');
    const pushed = await clone.push('origin', 'HEAD:refs/heads/feature/login');
    expect(pushed.code).toBe(0);
    const slug = branchSlug('feature/login');
    expect(pushed.output).toContain(`remote: feature/login → ${commit.slice(0, 12)}: deploying its branch preview (preview of feature/login)`);
    const lines = pushed.output.split('\n').filter((l) => l.startsWith('remote: '));
    expect(lines.at(-1)?.trim()).toBe(`remote: preview of feature/login is live: http://shop--${slug}-preview.localhost:8080/`);
    expect(fp.store.deployments.live('shop', `preview--${slug}`)?.commit).toBe(commit);
    // main's preview did not move.
    expect(fp.store.deployments.live('shop', 'preview')?.commit).not.toBe(commit);
  });

  it('the cap refuses the branch past it, and nothing of that push lands', async () => {
    expect((await clone.push('origin', 'HEAD:refs/heads/second')).code).toBe(0);
    const refused = await clone.push('origin', 'HEAD:refs/heads/third');
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(
      'remote: refused refs/heads/third: branch third would be one branch preview too many: app shop has 2 of at most 2: feature/login, second;',
    );
    const remote = await git(['ls-remote', 'origin'], { cwd: clone.dir });
    expect(remote.stdout).not.toContain('refs/heads/third');
  });

  it('deleting a branch removes its preview before the push returns', async () => {
    const deleted = await clone.push('origin', '--delete', 'second');
    expect(deleted.code).toBe(0);
    expect(deleted.output).toContain('remote: second deleted: removing its branch preview');
    expect(deleted.output).toContain('remote: second: its branch preview is removed');
    expect(fp.runtime.instances('shop').map((i) => i.environment)).not.toContain('preview--second');
    // Room again for the branch refused before.
    expect((await clone.push('origin', 'HEAD:refs/heads/third')).code).toBe(0);
  });

  it('refuses deleting main, as before', async () => {
    const refused = await clone.push('origin', '--delete', 'main');
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('remote: refused refs/heads/main: deleting main is not allowed');
  });
});
