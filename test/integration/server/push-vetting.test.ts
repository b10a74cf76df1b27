// The git bridge vets plain pushes itself (no pre-receive hook process on their path); anything it cannot vet
// alone still goes through the pre-receive hook, refusals included.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, gitOk } from '../../helpers/git-cli.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
let hookCalls = 0;

beforeAll(async () => {
  server = await startTestServer();
  const preReceive = server.pipeline.preReceive.bind(server.pipeline);
  server.pipeline.preReceive = (input, say) => {
    hookCalls += 1;
    return preReceive(input, say);
  };
  expect((await server.api('POST', '/api/apps', { name: 'vet', template: 'static-site' })).status).toBe(201);
});
afterAll(() => server?.stop());

describe('pushes vetted by the git bridge', () => {
  it('pushes to main and to existing branches need no pre-receive hook; a new branch (the cap) and deleting main go through it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-vet-'));
    await gitOk(['clone', '-q', server.gitUrl('vet'), dir]);
    writeFileSync(join(dir, 'note.txt'), 'hello\n');
    await gitOk(['add', 'note.txt'], { cwd: dir });
    await gitOk(['commit', '-qm', 'note'], { cwd: dir });
    const pushed = await gitOk(['push', '-o', 'async', 'origin', 'main'], { cwd: dir });
    expect(pushed.stderr).toMatch(/remote: main → [0-9a-f]{12}: deploying to preview/);
    expect(hookCalls).toBe(0);

    // A new branch is a new branch preview: SLIPWAY_MAX_BRANCH_PREVIEWS is asked of the app's other branches.
    await gitOk(['push', '-o', 'async', 'origin', 'main:refs/heads/feature'], { cwd: dir });
    expect(hookCalls).toBe(1);
    writeFileSync(join(dir, 'note.txt'), 'hello again\n');
    await gitOk(['commit', '-qam', 'note again'], { cwd: dir });
    await gitOk(['push', '-o', 'async', 'origin', 'main', 'main:refs/heads/feature'], { cwd: dir });
    expect(hookCalls).toBe(1);

    const refused = await git(['push', 'origin', ':main'], { cwd: dir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/remote: refused refs\/heads\/main: deleting main is not allowed/);
    expect(hookCalls).toBe(2);
  });
});
