// A push recorded by a server that is then SIGKILLed is processed, exactly once, by the next start.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/free-port.js';
import { gitOk } from '../../helpers/git-cli.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

const started: ServerProcess[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.kill('SIGKILL');
});

describe('crash between a push and its processing', () => {
  it('processes the recorded update on restart, exactly once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'slipway-crash-'));
    const port = await freePort();
    const env = { SLIPWAY_DATA_DIR: dataDir, SLIPWAY_PORT: String(port), SLIPWAY_LOG_LEVEL: 'info' };

    // First life: the pipeline is paused, so the push is recorded and not processed.
    const first = startServerProcess({ ...env, SLIPWAY_PIPELINE_PAUSED: 'true' });
    started.push(first);
    const [, token] = await first.waitFor(/^\s+(slw_\S+)$/m);
    await first.waitFor(/slipway is listening/);
    const create = await fetch(`http://127.0.0.1:${port}/api/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'crashy', template: 'static-site' }),
    });
    expect(create.status).toBe(201);
    const dir = mkdtempSync(join(tmpdir(), 'slipway-clone-'));
    const url = `http://x:${token}@127.0.0.1:${port}/git/crashy.git`;
    await gitOk(['clone', '-q', url, dir]);
    await gitOk(['commit', '-q', '--allow-empty', '-m', 'change'], { cwd: dir });
    const push = await gitOk(['push', 'origin', 'main'], { cwd: dir });
    expect(push.stderr).toMatch(/remote: .*recorded and will be processed when it resumes/);

    const db = new Database(join(dataDir, 'slipway.db'), { readonly: true });
    const rows = () =>
      db.prepare('SELECT id, processed_at, outcome FROM ref_updates WHERE app = ? AND pusher <> ? ORDER BY id').all('crashy', 'slipway') as {
        id: number;
        processed_at: string | null;
        outcome: string | null;
      }[];
    // The app's first commit is recorded as Slipway's own update of main; the push is the next row.
    const creation = db.prepare('SELECT old_sha, kind, environment FROM ref_updates WHERE app = ? AND pusher = ?').all('crashy', 'slipway');
    expect(creation).toEqual([{ old_sha: '0'.repeat(40), kind: 'preview', environment: 'preview' }]);
    expect(rows()).toEqual([{ id: expect.any(Number), processed_at: null, outcome: null }]);

    await first.kill('SIGKILL');

    // Second life: the start-up pass processes it.
    const second = startServerProcess(env);
    started.push(second);
    await second.waitFor(/ref update processed/);
    // The creation's row and the push's are marked in one pass, one after the other.
    for (let i = 0; i < 50 && rows()[0]?.processed_at === null; i++) await new Promise((r) => setTimeout(r, 100));
    const [row] = rows();
    expect(row?.processed_at).not.toBeNull();
    expect(row?.outcome).toMatch(/preview/);
    expect(second.output()).not.toMatch(/slw_/); // the token is printed on the first start only
    await second.kill('SIGKILL');

    // Third life: nothing left to process.
    const third = startServerProcess(env);
    started.push(third);
    await third.waitFor(/slipway is listening/);
    await new Promise((r) => setTimeout(r, 1000));
    expect(third.output()).not.toMatch(/ref update processed/);
    expect(rows()).toEqual([row]);
    db.close();
  });
});
