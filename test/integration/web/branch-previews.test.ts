// Branch previews as people see them: in the app's JSON and on the app page (status, commit, URL), with "compare
// with main" leading to the compare view. The real web app in-process over the fake pipeline.
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { branchSlug } from '../../../src/domain/branch-environment.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { serveWebApp, stopWebApp } from '../../helpers/serve-web-app.js';
import { signInCookie } from '../../helpers/sign-in.js';

const TOKEN = 'branch-previews-test-admin-token-0123';
let fp: FakePipeline;
let server: Server;
let base: string;
let cookie: string;
let branchCommit: string;

beforeAll(async () => {
  fp = await createFakePipeline({ env: { SLIPWAY_ADMIN_TOKEN: TOKEN } });
  ({ server, base } = await serveWebApp(fp));
  await fp.createApp('shop');
  const pushed = await fp.push('shop', { ref: 'refs/heads/feature/login', files: { 'app/login.py': 'print("login")\n' } });
  await pushed.done;
  branchCommit = pushed.commit;
  fp.runtime.next('deploy', { fail: 'never answered on /health' });
  await (
    await fp.push('shop', { ref: 'refs/heads/broken' })
  ).done;
  cookie = await signInCookie(base, new URL(fp.config.publicUrl).origin, TOKEN);
});

afterAll(async () => {
  await stopWebApp(server, fp);
});

describe('branch previews in the API and the UI', () => {
  it("are in the app's JSON with status, commit and URL", async () => {
    const res = await fetch(`${base}/api/apps/shop`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const { app } = (await res.json()) as { app: { branchPreviews: Record<string, unknown>[] } };
    expect(app.branchPreviews).toEqual([
      expect.objectContaining({
        branch: 'broken',
        environment: 'preview--broken',
        state: 'active',
        status: 'failed',
        appliedCommit: null,
        reason: 'never answered on /health',
      }),
      expect.objectContaining({
        branch: 'feature/login',
        environment: `preview--${branchSlug('feature/login')}`,
        state: 'active',
        status: 'live',
        commit: branchCommit,
        appliedCommit: branchCommit,
        url: `http://shop--${branchSlug('feature/login')}-preview.localhost:8080/`,
      }),
    ]);
  });

  it('are listed on the app page, each with a link comparing it with main', async () => {
    const html = await (await fetch(`${base}/apps/shop`, { headers: { cookie } })).text();
    const row = /<tr data-branch="feature\/login" data-status="live">[\s\S]*?<\/tr>/.exec(html)?.[0] ?? '';
    expect(row).toContain(`href="http://shop--${branchSlug('feature/login')}-preview.localhost:8080/"`);
    expect(row).toContain(branchCommit.slice(0, 12));
    expect(row).toContain('href="/apps/shop/compare?from=main&amp;to=feature%2Flogin"');
    expect(html).toMatch(/<tr data-branch="broken" data-status="failed">[\s\S]*?never answered on \/health/);

    const compare = await fetch(`${base}/apps/shop/compare?from=main&to=feature%2Flogin`, { headers: { cookie } });
    expect(compare.status).toBe(200);
    expect(await compare.text()).toContain('app/login.py');
  });

  it('are in the live fragment too', async () => {
    const fragment = await (await fetch(`${base}/apps/shop/fragments/environments`, { headers: { cookie } })).text();
    expect(fragment).toContain('data-branch="feature/login"');
  });
});
