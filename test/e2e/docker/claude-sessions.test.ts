// Claude Code sessions against the real server, real git and the Docker runtime, with the stand-in program in the
// CLI's place (test/fixtures/claude-stand-in/): open a session from the UI, type into its terminal over the
// WebSocket, see the output; refusals (no cookie, another Origin, a viewer, another person, a third session with
// SLIPWAY_MAX_CLAUDE_SESSIONS=2); a reload replays the output; Push puts a commit with the trailer and the person as
// author on main and the preview serves it; a refused push (main moved) loses nothing and Pull fixes it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../../src/domain/actor.js';
import { repoPath } from '../../../src/git/repo-path.js';
import { eventually } from '../../helpers/app-http.js';
import { readWeb } from '../../helpers/app-lifecycle.js';
import { uniqueAppName } from '../../helpers/e2e-docker.js';
import { gitOk } from '../../helpers/git-cli.js';
import { openTerminal, RefusedError } from '../../helpers/session-terminal.js';
import { signInCookie } from '../../helpers/sign-in.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const STAND_IN = resolve('test/fixtures/claude-stand-in/claude-stand-in.mjs');

let server: TestServer;
let origin: string;
const app = uniqueAppName('sessions');
const cookie: Record<'dev' | 'dev2' | 'viewer', string> = { dev: '', dev2: '', viewer: '' };

beforeAll(async () => {
  server = await startTestServer({ SLIPWAY_CLAUDE_COMMAND: STAND_IN, SLIPWAY_MAX_CLAUDE_SESSIONS: '2' });
  origin = new URL(server.config.publicUrl).origin;
  expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
  const { people } = server.pipeline;
  for (const [who, role, email] of [
    ['dev', 'developer', 'dev@example.test'],
    ['dev2', 'developer', null],
    ['viewer', 'viewer', null],
  ] as const) {
    const person = people.create({ name: `session-${who}`, ...(email ? { email } : {}) }, CLI_ACTOR);
    people.grant(person.id, app, role, CLI_ACTOR);
    cookie[who] = await signInCookie(server.url, origin, people.createToken({ name: 'laptop', personId: person.id }, CLI_ACTOR).token);
  }
  await eventually(async () => (await server.api('GET', `/api/apps/${app}/environments`)).body.environments[0].status === 'live', 120_000, 'the first preview');
}, 180_000);
afterAll(() => server?.stop());

async function post(path: string, who: keyof typeof cookie, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin, cookie: cookie[who], 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: '',
  });
}

async function page(path: string, who: keyof typeof cookie): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}${path}`, { headers: { cookie: cookie[who] }, redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}

async function openSession(who: keyof typeof cookie): Promise<string> {
  const res = await post(`/apps/${app}/sessions`, who);
  expect(res.status, await res.clone().text()).toBe(303);
  const location = res.headers.get('location') ?? '';
  expect(location).toMatch(new RegExp(`^/apps/${app}/sessions/ses_`));
  return location;
}

async function refusal(path: string, headers: Record<string, string>): Promise<RefusedError> {
  try {
    const t = await openTerminal(server.url, path, headers);
    t.close();
  } catch (e) {
    if (e instanceof RefusedError) return e;
    throw e;
  }
  throw new Error('the terminal opened');
}

describe('Claude Code sessions', () => {
  it('opens a terminal in a working copy, refuses whoever may not use it, limits sessions, pushes as the person', { timeout: 300_000 }, async () => {
    const sessionPage = await openSession('dev');
    const terminalPath = `${sessionPage}/terminal`;

    // The page shows the session; the app page lists it.
    expect((await page(sessionPage, 'dev')).text).toContain('Push to main');
    expect((await page(`/apps/${app}`, 'dev')).text).toContain(`href="${sessionPage}"`);

    // The terminal: the stand-in's prompt, then what is typed and its answer.
    const term = await openTerminal(server.url, terminalPath, { cookie: cookie.dev, origin });
    await term.waitFor('stand-in>');
    expect(term.text()).toContain('(tty: true)');
    term.type('hello there');
    await term.waitFor('you said: hello there');
    // None of the server's secrets reach the CLI's environment.
    term.type('env SLIPWAY_HOOK_SECRET');
    await term.waitFor('SLIPWAY_HOOK_SECRET is unset');
    term.type('write public/index.html <h1>written in a session</h1>');
    await term.waitFor('wrote public/index.html');
    term.type('commit Say it from the session');
    await term.waitFor(/committed [0-9a-f]{7}/);

    // Refused before any WebSocket: no cookie, another site's Origin, a viewer, another developer.
    expect((await refusal(terminalPath, { origin })).status).toBe(401);
    expect((await refusal(terminalPath, { cookie: cookie.dev, origin: 'http://evil.example' })).status).toBe(403);
    expect((await refusal(terminalPath, { cookie: cookie.dev })).status).toBe(403);
    const viewer = await refusal(terminalPath, { cookie: cookie.viewer, origin });
    expect(viewer.status).toBe(403);
    expect(viewer.body).toContain('describe changes to this app');
    const other = await refusal(terminalPath, { cookie: cookie.dev2, origin });
    expect(other.status).toBe(403);
    expect(other.body).toContain("session-dev's");
    expect((await post(`/apps/${app}/sessions`, 'viewer')).status).toBe(403);

    // Two at once at most: the third is refused with what to do; closing one makes room.
    const second = await openSession('dev2');
    const third = await post(`/apps/${app}/sessions`, 'dev2');
    expect(third.status).toBe(429);
    expect(await third.text()).toMatch(/2 Claude Code sessions are open, the most this server allows at once \(SLIPWAY_MAX_CLAUDE_SESSIONS=2\)/);
    expect((await post(`${second}/close`, 'dev2')).status).toBe(303);
    expect((await page(second, 'dev2')).status).toBe(404);

    // A reload: the page connects again and sees what happened so far, and the CLI still answers.
    term.close();
    const again = await openTerminal(server.url, terminalPath, { cookie: cookie.dev, origin });
    expect(again.text()).toContain('you said: hello there');
    const mark = again.text().length;
    again.type('still here?');
    await again.waitFor('you said: still here?', 15_000, mark);

    // Push: main gets the commit, with the trailer and the person as author and committer; the preview serves it.
    const pushed = await post(`${sessionPage}/push`, 'dev');
    expect(pushed.status).toBe(303);
    const bare = repoPath(server.dataDir, app);
    const head = (await gitOk(['log', '-1', '--format=%an <%ae>%n%cn%n%B', 'main'], { cwd: bare })).stdout;
    expect(head).toContain('session-dev <dev@example.test>');
    expect(head).toContain('Say it from the session');
    expect(head).toMatch(/\n\nGenerated-By: claude-code\n/);
    expect((await page(sessionPage, 'dev')).text).toMatch(/pushed 1 commit\(s\) to main/);
    await again.waitFor('[slipway] pushed 1 commit(s) to main');
    await eventually(async () => (await readWeb(server, app, 'preview')).includes('written in a session'), 120_000, 'the preview with the session commit');
    // The history says who moved preview: the person.
    const audit = server.deps.store.audit.list({ action: 'claude-session.' }).entries.map((e) => `${e.action} ${e.person}`);
    expect(audit).toEqual(expect.arrayContaining(['claude-session.opened session-dev', 'claude-session.pushed session-dev']));

    // main moves behind the session's back: the push is refused with what to do, and nothing is lost; Pull, then Push.
    const elsewhere = mkdtempSync(join(tmpdir(), 'slipway-sessions-'));
    await gitOk(['clone', '-q', server.gitUrl(app), elsewhere]);
    writeFileSync(join(elsewhere, 'NOTES.md'), 'pushed from elsewhere\n');
    await gitOk(['add', '-A'], { cwd: elsewhere });
    await gitOk(['commit', '-qm', 'Elsewhere'], { cwd: elsewhere });
    await gitOk(['push', '-q', '-o', 'async', 'origin', 'main'], { cwd: elsewhere });
    again.type('write public/second.html second');
    await again.waitFor('wrote public/second.html');
    // Left uncommitted: Push commits it with the trailer.
    expect((await post(`${sessionPage}/push`, 'dev')).status).toBe(303);
    const refused = (await page(sessionPage, 'dev')).text;
    expect(refused).toContain('main moved since this session last pulled');
    expect((await post(`${sessionPage}/pull`, 'dev')).status).toBe(303);
    expect((await page(sessionPage, 'dev')).text).toContain('on the newest main now');
    expect((await post(`${sessionPage}/push`, 'dev')).status).toBe(303);
    const log = (await gitOk(['log', '-3', '--format=%s|%an|%(trailers:key=Generated-By,valueonly,separator=)', 'main'], { cwd: bare })).stdout
      .trim()
      .split('\n');
    expect(log[0]).toBe('Changes from a Claude Code session|session-dev|claude-code');
    expect(log[1]).toBe('Elsewhere|Test Person|');
    again.close();
  });
});
