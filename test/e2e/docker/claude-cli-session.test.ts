// The real Claude Code CLI (installed by scripts/setup-claude-cli.sh from npm) in a session, against the stand-in
// Anthropic server: its interactive terminal starts in the session's working copy without first-run screens, a
// request typed into it makes the model's Write tool call write a file there, and Push puts that on main with the
// trailer, as the person who opened the session.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../../src/git/repo-path.js';
import { eventually } from '../../helpers/app-http.js';
import { uniqueAppName } from '../../helpers/e2e-docker.js';
import { startFakeAnthropic, type FakeAnthropic, type RecordedRequest } from '../../helpers/fake-anthropic.js';
import { gitOk } from '../../helpers/git-cli.js';
import { openTerminal } from '../../helpers/session-terminal.js';
import { signInCookie } from '../../helpers/sign-in.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const API_KEY = 'sk-ant-api03-stand-in-0123456789abcdefghij';
const PAGE = '<h1>Written by Claude Code</h1>\n';

let server: TestServer;
let fake: FakeAnthropic;
let workDir = '';
const app = uniqueAppName('claude-cli');

/** The conversation: the first turn with tools calls Write into the working copy; everything else is a short text. */
function respond(request: RecordedRequest) {
  const tools = request.body.tools ?? [];
  const messages = JSON.stringify(request.body.messages);
  if (tools.some((t) => t.name === 'Write') && messages.includes('PLEASE WRITE THE PAGE') && !messages.includes('tool_result'))
    return { blocks: [{ type: 'tool_use' as const, name: 'Write', input: { file_path: join(workDir, 'public', 'claude.html'), content: PAGE } }] };
  return { blocks: [{ type: 'text' as const, text: 'The page is written.' }] };
}

beforeAll(async () => {
  // Idempotent: installs the pinned CLI once (npm), then only checks it; its last line names the program.
  const setup = execFileSync('bash', ['scripts/setup-claude-cli.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const command = /SLIPWAY_CLAUDE_COMMAND=(.+)\s*$/.exec(setup)?.[1];
  expect(command && existsSync(command)).toBeTruthy();
  fake = await startFakeAnthropic([], { apiKey: API_KEY, respond });
  server = await startTestServer({ SLIPWAY_CLAUDE_COMMAND: command!, ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: fake.url });
  expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
}, 600_000);
afterAll(async () => {
  await server?.stop();
  await fake?.close();
});

describe('the Claude Code CLI in a session', () => {
  it('writes a file through a tool call of the stand-in model, and Push puts it on main', { timeout: 180_000 }, async () => {
    const origin = new URL(server.config.publicUrl).origin;
    const cookie = await signInCookie(server.url, origin, server.token);
    const opened = await fetch(`${server.url}/apps/${app}/sessions`, { method: 'POST', redirect: 'manual', headers: { cookie, origin } });
    expect(opened.status).toBe(303);
    const sessionPage = opened.headers.get('location')!;
    const id = sessionPage.split('/').pop()!;
    workDir = join(server.dataDir, 'claude-sessions', id, 'work');

    const term = await openTerminal(server.url, `${sessionPage}/terminal`, { cookie, origin });
    // The prompt's footer: no onboarding, key approval or folder trust screens came first.
    await term.waitFor('? for shortcuts', 60_000);
    expect(term.text()).not.toMatch(/Unable to connect|Do you trust the files|Detected a custom API key/);
    const mark = term.text().length;
    term.press('PLEASE WRITE THE PAGE');
    await term.waitFor('PLEASE WRITE THE PAGE', 15_000, mark);
    term.press('\r');
    // The CLI asks before it creates a file, as it asks anyone at a terminal: "Yes" is the first choice.
    await term.waitFor('Do you want to create', 60_000, mark);
    term.press('\r');
    const page = join(workDir, 'public', 'claude.html');
    await eventually(() => existsSync(page) && readFileSync(page, 'utf8') === PAGE, 60_000, 'the file the CLI writes').catch((e: Error) => {
      const asked = fake.requests.map(
        (r) => `${r.method} ${r.path} tools=${(r.body.tools ?? []).length} messages=${(r.body.messages ?? []).map((m) => m.role).join('+')}`,
      );
      throw new Error(`${e.message}; the terminal shows ${JSON.stringify(term.text().slice(-800))}; the model was asked: ${asked.join(', ')}`);
    });
    await term.waitFor('The page is written.', 30_000);
    // It spoke to the stand-in with the operator's key, and nothing else answered it.
    expect(fake.requests.some((r) => r.path.startsWith('/v1/messages') && r.headers['x-api-key'] === API_KEY)).toBe(true);

    expect((await fetch(`${server.url}${sessionPage}/push`, { method: 'POST', redirect: 'manual', headers: { cookie, origin } })).status).toBe(303);
    const bare = repoPath(server.dataDir, app);
    const head = (await gitOk(['log', '-1', '--format=%an%n%B', 'main'], { cwd: bare })).stdout;
    expect(head).toMatch(/^admin\nChanges from a Claude Code session\n\nGenerated-By: claude-code\n/);
    expect((await gitOk(['show', 'main:public/claude.html'], { cwd: bare })).stdout).toBe(PAGE);
    term.close();
  });
});
