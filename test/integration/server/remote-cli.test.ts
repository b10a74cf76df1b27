// The built `slipway` command (node dist/src/main.js) as a person runs it on their laptop, against a real server
// in-process on 127.0.0.1 (the real web app and pipeline over the in-memory runtime and build, the stand-in
// Anthropic API): login, apps, status, logs, describe, publish and rollback, releases, secrets, git-remote with the
// credential helper and a real `git push`, and the exit codes of a wrong token and an unknown app.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../../src/web/create-web-app.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { freePort } from '../../helpers/free-port.js';
import { git, gitOk } from '../../helpers/git-cli.js';

const root = join(import.meta.dirname, '..', '..', '..');
const TOKEN = 'remote-cli-test-admin-token-0123456789abcdef';
let fp: FakePipeline;
let fake: FakeAnthropic;
let server: Server;
let url: string;
let home: string;
let xdg: string;

interface Run {
  code: number;
  out: string;
  err: string;
}

/** `slipway …` as a child process (never spawnSync: the server answering it runs in this process). */
function slipway(args: string[], options: { env?: Record<string, string>; input?: string; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'src', 'main.js'), ...args], {
      cwd: options.cwd ?? home,
      env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: xdg, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    child.stdin.end(options.input ?? '');
  });
}

const ok = async (args: string[], options?: Parameters<typeof slipway>[1]): Promise<Run> => {
  const r = await slipway(args, options);
  expect(r.code, `slipway ${args.join(' ')}\n${r.err}${r.out}`).toBe(0);
  return r;
};

async function waitUntil<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const environments = async (app: string) => JSON.parse((await ok(['status', app, '--json'])).out).environments as Record<string, any>[];
const liveOn = (app: string, env: string, commit?: string) =>
  waitUntil(`${app} ${env} live`, async () => {
    const e = (await environments(app)).find((x) => x.name === env);
    return e?.status === 'live' && (!commit || e.appliedCommit === commit) ? e : undefined;
  });

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'slipway-remote-home-'));
  xdg = join(home, 'xdg');
  fake = await startFakeAnthropic();
  const port = await freePort();
  fp = await createFakePipeline({
    env: {
      SLIPWAY_ADMIN_TOKEN: TOKEN,
      SLIPWAY_PORT: String(port),
      SLIPWAY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ANTHROPIC_API_KEY: 'sk-test',
      ANTHROPIC_BASE_URL: fake.url,
    },
  });
  server = createServer(createWebApp({ pipeline: fp.pipeline, hookSecret: 'unused', hookEnv: () => ({}) }).callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await fp?.dispose();
  await fake?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('slipway against a remote server', () => {
  it('refuses a wrong token at login (exit 3, nothing saved) and says how to log in when not logged in', { timeout: 60_000 }, async () => {
    const wrong = await slipway(['login', url, '--token-stdin'], { input: 'not-a-token\n' });
    expect(wrong.code).toBe(3);
    expect(wrong.err).toBe(`slipway: ${url} refused this token: nothing was saved\n`);
    expect(existsSync(join(xdg, 'slipway', 'config.json'))).toBe(false);

    const out = await slipway(['status', 'blog']);
    expect(out.code).toBe(3);
    expect(out.err).toMatch(/not logged in to a Slipway server: run slipway login URL/);

    const envWrong = await slipway(['whoami'], { env: { SLIPWAY_URL: url, SLIPWAY_TOKEN: 'wrong-token' } });
    expect(envWrong.code).toBe(3);
    expect(envWrong.err).toMatch(/refused the token \(401\)/);
    expect(envWrong.err + envWrong.out).not.toContain('wrong-token');

    const badUrl = await slipway(['login', 'ftp://example.com', '--token-stdin'], { input: TOKEN });
    expect(badUrl.code).toBe(2);
    expect(badUrl.err).toMatch(/expected an http or https URL/);
  });

  it('logs in with --token-stdin into a 0600 file in a 0700 folder, and whoami names the token', { timeout: 60_000 }, async () => {
    const login = await ok(['login', `${url}/`, '--token-stdin'], { input: `${TOKEN}\n` });
    expect(login.out).toContain(`logged in to ${url} as admin`);
    expect(login.out + login.err).not.toContain(TOKEN);
    const file = join(xdg, 'slipway', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(xdg, 'slipway')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ url, token: TOKEN });

    expect((await ok(['whoami'])).out).toBe(`admin (admin) on ${url}\n`);
    expect(JSON.parse((await ok(['whoami', '--json'])).out)).toEqual({ url, source: 'login', name: 'admin', role: 'admin' });
  });

  it('creates and lists apps; status --json shows the environments; an unknown app exits 4', { timeout: 90_000 }, async () => {
    const created = await ok(['apps:create', 'blog', '--template', 'static-site', '--description', 'my blog']);
    expect(created.out).toMatch(/^created blog \(static-site\) on http:\/\/127\.0\.0\.1:\d+, first commit [0-9a-f]{12}\n/);
    expect(created.out).toContain(`git clone ${url}/git/blog.git`);
    // `apps` alone and `apps list` both list the server's apps once logged in.
    expect(JSON.parse((await ok(['apps', '--json'])).out)).toEqual([
      expect.objectContaining({ name: 'blog', template: 'static-site', description: 'my blog' }),
    ]);
    expect((await ok(['apps', 'list'])).out).toMatch(/^blog +static-site +http:\/\/127\.0\.0\.1:\d+\/git\/blog\.git\n$/);
    const dup = await slipway(['apps', 'create', 'blog', '--template', 'static-site']);
    expect(dup.code).toBe(1);
    expect(dup.err).toMatch(/blog already exists|exists/);

    const preview = await liveOn('blog', 'preview');
    expect(preview).toMatchObject({
      name: 'preview',
      url: expect.stringMatching(/^http:\/\/blog-preview\./),
      appliedCommit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    const text = (await ok(['status', 'blog'])).out;
    expect(text).toMatch(/^blog \(static-site\): my blog\n/);
    expect(text).toMatch(new RegExp(`preview +live +runs ${preview.appliedCommit.slice(0, 12)}`));

    const unknown = await slipway(['status', 'nope']);
    expect(unknown.code).toBe(4);
    expect(unknown.err).toBe('slipway: no app named nope\n');
    expect((await slipway(['logs', 'nope'])).code).toBe(4);
    expect((await slipway(['releases', 'nope'])).code).toBe(4);
    const usage = await slipway(['status']);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/missing required argument 'app'/);
  });

  it('prints the build and deployment logs of preview, of one build, and follows them (-f)', { timeout: 60_000 }, async () => {
    const logs = await ok(['logs', 'blog']);
    expect(logs.out).toMatch(/^building slipway\/blog:[0-9a-f]{12} from commit/m);
    expect(logs.out).toMatch(/^live at http:\/\/blog-preview\./m);
    expect(logs.err).toMatch(/^build b_\S+ of [0-9a-f]{12} \(succeeded\)$/m);
    const buildId = /^build (b_\S+) /m.exec(logs.err)![1]!;
    const one = await ok(['logs', 'blog', '--build', buildId]);
    expect(one.out).toMatch(/^built slipway\/blog:/m);
    expect(one.out).not.toMatch(/live at/);
    const followed = await ok(['logs', 'blog', '-f', '--json']);
    const lines = followed.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.log)).toContain('build');
    expect(lines.at(-1)).toMatchObject({ log: 'deployment', line: expect.stringMatching(/^live at /) });
    const otherApp = await slipway(['logs', 'nope-app', '--build', buildId]);
    expect(otherApp.code).toBe(4);
  });

  it('describe streams the generation and ends with the preview URL', { timeout: 90_000 }, async () => {
    fake.push(
      {
        blocks: [
          { type: 'text', text: 'I will give the blog a new title.', chunks: 3 },
          { type: 'tool_use', name: 'write_file', input: { path: 'public/index.html', content: '<!doctype html><h1>Otters</h1>\n' } },
        ],
      },
      { blocks: [{ type: 'tool_use', name: 'finish', input: { summary: 'Title the blog Otters' } }] },
    );
    const r = await ok(['describe', 'blog', 'Make', 'the', 'title', 'Otters']);
    expect(r.out).toContain('I will give the blog a new title.');
    expect(r.out).toMatch(/^ {2}wrote public\/index\.html \(\d+ bytes\)$/m);
    expect(r.out).toMatch(/^committed [0-9a-f]{12}: Title the blog Otters$/m);
    expect(r.out).toMatch(/Preview: http:\/\/blog-preview\.\S+\n$/);
    // Not a terminal: progress is plain lines on stderr, no spinner frames.
    expect(r.err).not.toContain(String.fromCharCode(27));
  });

  it('publish shows the plan, refuses without a terminal unless --yes, publishes; rollback goes back; releases lists them', { timeout: 120_000 }, async () => {
    const refused = await slipway(['publish', 'blog']);
    expect(refused.code).toBe(2);
    expect(refused.out).toMatch(/production: nothing → [0-9a-f]{12} \(v1\)/);
    expect(refused.err).toMatch(/no terminal is attached: run it again with --yes/);
    expect(await fp.pipeline.rollbackChoices('blog')).toEqual([]);

    const v1 = await ok(['publish', 'blog', '--yes']);
    expect(v1.out).toMatch(/goes live \(\d+\):\n {4}[0-9a-f]{12} Title the blog Otters/);
    expect(v1.out).toMatch(/ is live on [0-9a-f]{12} \(v1\): http:\/\/blog\./);

    const secondPreview = await fp.push('blog', { files: { 'public/index.html': '<h1>Second</h1>\n' } });
    await secondPreview.done;
    await ok(['publish', 'blog', '--yes']);
    const releases = JSON.parse((await ok(['releases', 'blog', '--json'])).out) as Record<string, any>[];
    expect(releases.map((r) => [r.tag, r.current])).toEqual([
      ['v2', true],
      ['v1', false],
    ]);

    const back = await ok(['rollback', 'blog', '--yes']);
    expect(back.out).toMatch(/→ [0-9a-f]{12} \(v1\)/);
    expect(back.out).toMatch(/is live on [0-9a-f]{12} \(v1\)/);
    expect((await ok(['releases', 'blog'])).out).toMatch(/^v2 .*\nv1 .*\[production runs it\]\n$/);
    const nowhere = await slipway(['rollback', 'blog', '--to', 'v9', '--yes']);
    expect(nowhere.code).not.toBe(0);
  });

  it('sets a secret from stdin without ever printing it, lists names only, unsets it', { timeout: 60_000 }, async () => {
    const value = 'hunter2-secret-value-xyz';
    const set = await ok(['secrets', 'blog', 'set', 'API_KEY', '-'], { input: `${value}\n` });
    expect(set.out).toBe('set API_KEY on preview, prod (running environments restart with it)\n');
    expect((await ok(['secrets', 'blog', 'set', 'GREETING=hello', '--env', 'preview'])).out).toContain('on preview ');
    const list = await ok(['secrets', 'blog']);
    expect(list.out).toBe('preview: API_KEY, GREETING\nprod: API_KEY\n');
    const json = await ok(['secrets', 'blog', '--json']);
    for (const r of [set, list, json]) expect(r.out + r.err).not.toContain(value);
    expect(JSON.parse(json.out)).toEqual([
      { environment: 'preview', names: ['API_KEY', 'GREETING'], missing: [] },
      { environment: 'prod', names: ['API_KEY'], missing: [] },
    ]);
    expect(fp.pipeline.secrets.names('blog', 'prod')).toEqual(['API_KEY']);
    expect((await ok(['secrets', 'blog', 'unset', 'GREETING'])).out).toBe('removed GREETING from preview\n');
    const bad = await slipway(['secrets', 'blog', 'set', 'NOVALUE']);
    expect(bad.code).toBe(2);
  });

  it('git-remote adds a remote whose pushes get the token from the credential helper; .git/config holds no token', { timeout: 120_000 }, async () => {
    const work = mkdtempSync(join(home, 'clone-'));
    await gitOk(['init', '-q', '-b', 'main'], { cwd: work });
    const added = await ok(['git-remote', 'blog'], { cwd: work });
    expect(added.out).toContain(`added remote slipway at ${url}/git/blog.git`);
    const gitConfig = readFileSync(join(work, '.git', 'config'), 'utf8');
    expect(gitConfig).not.toContain(TOKEN);
    expect(gitConfig).toContain(`[credential "${url}"]`);

    // git runs the helper with this environment (it finds the login through XDG_CONFIG_HOME).
    const env = { XDG_CONFIG_HOME: xdg };
    await gitOk(['fetch', '-q', 'slipway'], { cwd: work, env });
    await gitOk(['checkout', '-q', '-b', 'main', 'slipway/main'], { cwd: work, env }).catch(() =>
      gitOk(['reset', '-q', '--hard', 'slipway/main'], { cwd: work, env }),
    );
    writeFileSync(join(work, 'public', 'index.html'), '<h1>Pushed with the helper</h1>\n');
    await gitOk(['commit', '-q', '-am', 'Push through the credential helper'], { cwd: work, env });
    const pushed = await git(['push', 'slipway', 'HEAD:main'], { cwd: work, env });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toMatch(/remote: preview is live: http:\/\/blog-preview\./);
    expect(readFileSync(join(work, '.git', 'config'), 'utf8')).not.toContain(TOKEN);

    // Without the login git gets nothing from the helper, and the push is refused.
    const logout = await ok(['logout']);
    expect(logout.out).toMatch(/^logged out of http:\/\/127\.0\.0\.1:\d+/);
    const refused = await git(['push', 'slipway', 'HEAD:main'], { cwd: work, env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/slipway credential: not logged in/);
    const outside = await slipway(['git-remote', 'blog'], { cwd: home, env: { SLIPWAY_URL: url, SLIPWAY_TOKEN: TOKEN } });
    expect(outside.code).toBe(2);
    expect(outside.err).toMatch(/not in a git repository/);
  });
});
