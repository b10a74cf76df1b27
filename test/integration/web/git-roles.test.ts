// Roles through git over HTTP with the real git CLI: cloning needs viewer, pushing needs developer, and the
// pre-receive check (the real hook, started by git, asking the in-process server) refuses release tags, `prod` and
// deleting branches to those without releaser, with the reason in the push output. Scoped tokens narrow it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../../src/domain/actor.js';
import { git, gitOk } from '../../helpers/git-cli.js';
import { createPeopleFixture, type PeopleFixture, type Who } from '../../helpers/people-fixture.js';

let f: PeopleFixture;

beforeAll(async () => {
  // The hooks run `$SLIPWAY_NODE $SLIPWAY_CLI hook …`: here the TypeScript entry point through tsx, no build needed.
  const bin = mkdtempSync(join(tmpdir(), 'slipway-hook-node-'));
  const node = join(bin, 'node-tsx');
  const loader = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
  writeFileSync(node, `#!/bin/sh\nexec "${process.execPath}" --import "${loader}" "$@"\n`, { mode: 0o755 });
  const cli = new URL('../../../src/main.ts', import.meta.url).pathname;
  f = await createPeopleFixture(['shop'], {
    hookEnv: (port) => ({
      SLIPWAY_HOOK_URL: `http://127.0.0.1:${port}/internal/hooks`,
      SLIPWAY_HOOK_SECRET: 'people-fixture-hook-secret',
      SLIPWAY_NODE: node,
      SLIPWAY_CLI: cli,
    }),
  });
}, 120_000);
afterAll(() => f?.close());

const url = (token: string, app = 'shop') => `http://person:${token}@127.0.0.1:${new URL(f.base).port}/git/${app}.git`;

async function cloneAs(token: string): Promise<{ dir: string; code: number; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-roles-'));
  const r = await git(['clone', '-q', url(token), dir]);
  if (r.code === 0) {
    await gitOk(['commit', '-q', '--allow-empty', '-m', `change ${Math.random()}`], { cwd: dir });
  }
  return { dir, code: r.code, stderr: r.stderr };
}

describe('git × roles', () => {
  it('clone: viewer and up; someone without a role on the app is told it does not exist', async () => {
    for (const who of ['viewer', 'developer', 'releaser', 'admin'] as Who[]) expect((await cloneAs(f.token[who])).code, who).toBe(0);
    const outsider = await cloneAs(f.token.outsider);
    expect(outsider.code).not.toBe(0);
    expect(outsider.stderr).toMatch(/not found|404/i);
    expect(outsider.stderr).not.toMatch(/403/);
  });

  it('push: a viewer is refused with the reason; a developer pushes main and a branch', async () => {
    const viewer = await cloneAs(f.token.viewer);
    const refused = await git(['push', 'origin', 'HEAD:main'], { cwd: viewer.dir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/remote: you are a viewer of shop: to push to this app takes the developer role/);

    const dev = await cloneAs(f.token.developer);
    const pushed = await gitOk(['push', '-o', 'async', 'origin', 'HEAD:main', 'HEAD:refs/heads/feature'], { cwd: dev.dir });
    expect(pushed.stderr).toMatch(/remote: main → [0-9a-f]{12}: deploying to preview/);
    // The push is in the audit log with the developer's name and token.
    const entry = f.fp.store.audit.list({ app: 'shop', action: 'push' }).entries.find((e) => e.target === 'refs/heads/main');
    expect(entry).toMatchObject({ person: 'developer', token: 'developer-laptop', address: '127.0.0.1' });
  });

  it('the pre-receive check: prod, release tags and deleting branches need releaser, and the push says so', async () => {
    const dev = await cloneAs(f.token.developer);
    await gitOk(['push', '-o', 'async', 'origin', 'HEAD:main'], { cwd: dev.dir });
    for (const refspec of ['HEAD:refs/heads/prod', 'HEAD:refs/tags/v1', ':refs/heads/feature']) {
      const r = await git(['push', 'origin', refspec], { cwd: dev.dir });
      expect(r.code, refspec).not.toBe(0);
      expect(r.stderr, refspec).toMatch(
        /remote: refused refs\/(heads|tags)\/(prod|v1|feature): you are a developer of shop: to push release tags, move prod or delete branches of this app takes the releaser role/,
      );
    }
    const rel = await cloneAs(f.token.releaser);
    await gitOk(['fetch', '-q', 'origin', 'main'], { cwd: rel.dir });
    await gitOk(['push', '-o', 'async', 'origin', 'origin/main:refs/tags/v1', ':refs/heads/feature'], { cwd: rel.dir });
    const refs = (await gitOk(['ls-remote', url(f.token.viewer)])).stdout;
    expect(refs).toMatch(/refs\/tags\/v1/);
    expect(refs).not.toMatch(/refs\/heads\/feature/);
  });

  it('scoped tokens: git:push works for git and nothing else; read clones but cannot push; one app hides the others', async () => {
    const { people } = f.fp.pipeline;
    const dev = people.find('developer');
    const ci = people.createToken({ name: 'ci', personId: dev.id, scopes: ['git:push'] }, CLI_ACTOR).token;
    const reader = people.createToken({ name: 'reader', personId: dev.id, scopes: ['read'] }, CLI_ACTOR).token;
    const elsewhere = people.createToken({ name: 'other-app', personId: people.find('admin').id, app: 'other' }, CLI_ACTOR).token;

    const c = await cloneAs(ci);
    expect(c.code).toBe(0);
    await gitOk(['push', '-o', 'async', 'origin', 'HEAD:main'], { cwd: c.dir });
    const api = await fetch(`${f.base}/api/apps/shop`, { headers: { authorization: `Bearer ${ci}` } });
    expect(api.status).toBe(403);

    const r = await cloneAs(reader);
    expect(r.code).toBe(0);
    const refused = await git(['push', 'origin', 'HEAD:main'], { cwd: r.dir });
    expect(refused.stderr).toMatch(/remote: this token may only read: it may not push to this app/);

    expect((await cloneAs(elsewhere)).code).not.toBe(0);
  });
});
