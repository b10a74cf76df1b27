// The session manager over a real pipeline's store and real git, with the stand-in program in a real pseudo-terminal:
// the process runs in the session's memory cgroup when one can be made, ends with its whole process group on
// shutdown, its working copy stays and is listed again by the next server, and closing removes it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../../../src/domain/actor.js';
import { createClaudeSessions, sessionsDir, type ClaudeSessions } from '../../../../src/pipeline/claude-sessions/claude-sessions.js';
import { eventually } from '../../../helpers/app-http.js';
import { createFakePipeline, type FakePipeline } from '../../../helpers/fake-pipeline.js';

const STAND_IN = join(process.cwd(), 'test/fixtures/claude-stand-in/claude-stand-in.mjs');
const OWNER = { personId: 'per_admin', name: 'admin', email: 'admin@example.test' };
let fp: FakePipeline;

beforeAll(async () => {
  fp = await createFakePipeline({ env: { SLIPWAY_CLAUDE_COMMAND: STAND_IN, SLIPWAY_MAX_CLAUDE_SESSIONS: '1' } });
  await fp.createApp('shop');
});
afterAll(() => fp?.dispose());

const manager = () => createClaudeSessions({ config: fp.config, store: fp.store, log: fp.pipeline.log }, { serverUrl: () => 'http://127.0.0.1:1' });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Claude Code sessions', () => {
  it('run in their memory cgroup, end with the server, come back as ended, and close for good', async () => {
    const sessions: ClaudeSessions = await manager();
    const view = await sessions.open('shop', OWNER, CLI_ACTOR);
    await expect(sessions.open('shop', OWNER, CLI_ACTOR)).rejects.toThrow(/SLIPWAY_MAX_CLAUDE_SESSIONS=1/);
    let out = '';
    let ended = '';
    const term = sessions.attach(view.id, { output: (d) => (out += d), ended: (r) => (ended = r) });
    await eventually(() => out.includes('stand-in>'), 15_000, 'the prompt');
    term.write('pid\r');
    await eventually(() => /pid (\d+)/.test(out), 15_000, 'the pid');
    const pid = Number(/pid (\d+)/.exec(out)![1]);
    term.write('memory\r');
    await eventually(() => out.includes(' | '), 15_000, 'the cgroups');
    const limit = await sessions.memoryLimit();
    expect(view.memoryLimited).toBe(limit.state === 'on');
    if (limit.state === 'on') expect(out).toContain(`slipway-claude-${view.id}`);

    await sessions.shutdown();
    expect(alive(pid)).toBe(false);
    expect(ended).toBe('the server stopped');
    const work = join(sessionsDir(fp.config.dataDir), view.id, 'work');
    expect(existsSync(join(work, '.git'))).toBe(true);

    // The next start lists it as ended; it does not count against the limit; closing removes its folder.
    const next = await manager();
    expect(next.list('shop')).toMatchObject([{ id: view.id, state: 'ended', ended: 'the server stopped' }]);
    const other = await next.open('shop', OWNER, CLI_ACTOR);
    await next.close(other.id, CLI_ACTOR);
    await next.close(view.id, CLI_ACTOR);
    expect(existsSync(join(sessionsDir(fp.config.dataDir), view.id))).toBe(false);
    expect(next.list('shop')).toEqual([]);
    await next.shutdown();
  });
});
