// Describe → Claude → commit → preview, with the real server, Docker runtime and the stand-in Anthropic server
// (the production SDK client talks to it).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getViaProxy } from '../../helpers/app-http.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeContentBlock, type RecordedRequest } from '../../helpers/fake-anthropic.js';
import { gitOk } from '../../helpers/git-cli.js';
import { readSse } from '../../helpers/read-sse.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
let fake: FakeAnthropic;
const MODEL = 'claude-sonnet-5-5';

const page = (title: string) =>
  `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>\n<body><h1>${title}</h1></body></html>\n`;
const toolResults = (req: RecordedRequest | undefined): FakeContentBlock[] => {
  const last = req?.body.messages.at(-1);
  return !last || typeof last.content === 'string' ? [] : last.content.filter((b) => b.type === 'tool_result');
};

async function createLiveApp(name: string): Promise<void> {
  expect((await server.api('POST', '/api/apps', { name, template: 'static-site' })).status).toBe(201);
  await eventually(async () => (await server.api('GET', `/api/apps/${name}/environments`)).body.environments[0].status === 'live', 90_000, 'the first preview');
}

async function generate(app: string, prompt: string): Promise<{ id: string; events: Awaited<ReturnType<typeof readSse>> }> {
  const started = await server.api('POST', `/api/apps/${app}/generations`, { prompt });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const id = started.body.generation.id as string;
  return { id, events: await readSse(`${server.url}/api/generations/${id}/events`, server.token, { timeoutMs: 180_000 }) };
}

async function mainLog(app: string, format: string): Promise<string[]> {
  const r = await gitOk(['--git-dir', join(server.dataDir, 'repos', `${app}.git`), 'log', `--format=${format}`, '-z', 'main']);
  return r.stdout.split('\0').filter(Boolean);
}

beforeAll(async () => {
  fake = await startFakeAnthropic();
  server = await startTestServer({
    ANTHROPIC_API_KEY: 'sk-ant-test-0000000000',
    ANTHROPIC_BASE_URL: fake.url,
    SLIPWAY_MODEL: MODEL,
    SLIPWAY_ANTHROPIC_MAX_RETRIES: '0',
    SLIPWAY_FIX_ATTEMPTS: '1',
  });
});
afterAll(async () => {
  await server?.stop();
  await fake?.close();
});

describe('describe → commit → preview', () => {
  it(
    'streams the model, lands one Claude commit on main, and the preview serves it; a second request sees it; revert brings the first back',
    { timeout: 300_000 },
    async () => {
      const app = 'gen-site';
      await createLiveApp(app);
      fake.push(
        {
          blocks: [
            { type: 'text', text: 'I will write a page about otters.', chunks: 4 },
            { type: 'tool_use', name: 'write_file', input: { path: 'public/index.html', content: page('Otters') } },
          ],
        },
        { blocks: [{ type: 'tool_use', name: 'finish', input: { summary: 'Make the home page about otters' } }] },
      );
      const first = await generate(app, 'Make the home page about otters');
      const names = first.events.map((e) => e.event);
      expect(
        first.events
          .filter((e) => e.event === 'text')
          .map((e) => e.data.delta)
          .join(''),
      ).toBe('I will write a page about otters.');
      expect(first.events.find((e) => e.event === 'file')?.data).toMatchObject({ op: 'write', path: 'public/index.html' });
      const commitEvent = first.events.find((e) => e.event === 'commit')!;
      expect(names.indexOf('file')).toBeLessThan(names.indexOf('commit'));
      expect(names.indexOf('commit')).toBeLessThan(names.indexOf('preview'));
      expect(first.events.some((e) => e.event === 'build' && e.data.status === 'succeeded')).toBe(true);
      expect(first.events.find((e) => e.event === 'preview')?.data.url).toBe(`http://${app}-preview.localhost:${server.port}/`);
      expect(first.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'live' } });
      expect((await getViaProxy(server.port, `${app}-preview.localhost`)).body).toContain('<h1>Otters</h1>');

      const [head] = await mainLog(app, '%H%n%an <%ae>%n%B');
      expect(head).toBe(
        `${commitEvent.data.commit}\nClaude <claude@slipway.local>\nMake the home page about otters\n\nMake the home page about otters\n\nGenerated-By: ${MODEL}\nSlipway-Generation: ${first.id}\nSlipway-Requested-By: admin\n`,
      );

      // A client that reconnects sees everything from the start.
      const replay = await readSse(`${server.url}/api/generations/${first.id}/events`, server.token);
      expect(replay.map((e) => e.event)).toEqual(names);

      // Second request: reads the committed page back, changes it.
      fake.push({ blocks: [{ type: 'tool_use', name: 'read_file', input: { path: 'public/index.html' } }] }, (req) => {
        const current = String(toolResults(req)[0]?.content);
        return {
          blocks: [
            {
              type: 'tool_use',
              name: 'write_file',
              input: { path: 'public/index.html', content: current.replace('<h1>Otters</h1>', '<h1>Otters</h1><p>They hold hands.</p>') },
            },
            { type: 'tool_use', name: 'finish', input: { summary: 'Say what otters do' } },
          ],
        };
      });
      const before = fake.requests.length;
      const second = await generate(app, 'Say what otters do');
      expect(second.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'live' } });
      expect(toolResults(fake.requests[before + 1])[0]?.content).toBe(page('Otters'));
      // The earlier request is in the conversation the model sees.
      expect(fake.requests[before]!.body.messages[0]!.content).toBe('Make the home page about otters');
      expect((await getViaProxy(server.port, `${app}-preview.localhost`)).body).toContain('They hold hands.');
      const authors = await mainLog(app, '%an');
      expect(authors.slice(0, 2)).toEqual(['Claude', 'Claude']);
      const conversation = (await server.api('GET', `/api/apps/${app}/generations`)).body.generations;
      expect(conversation.map((g: { prompt: string; status: string }) => [g.prompt, g.status])).toEqual([
        ['Say what otters do', 'live'],
        ['Make the home page about otters', 'live'],
      ]);

      // Revert the second: the preview goes back to the first page.
      const reverted = await server.api('POST', `/api/generations/${second.id}/revert`);
      expect(reverted.status, JSON.stringify(reverted.body)).toBe(201);
      await eventually(
        async () => {
          const body = (await getViaProxy(server.port, `${app}-preview.localhost`)).body;
          return body.includes('<h1>Otters</h1>') && !body.includes('They hold hands.');
        },
        60_000,
        'the revert to be live',
      );
      expect((await mainLog(app, '%s'))[0]).toBe('Revert "Say what otters do"');
      expect((await server.api('POST', `/api/generations/${second.id}/revert`)).status).toBe(409);
    },
  );

  it('keeps a git push made during a generation; overlapping files fail the generation clearly', { timeout: 240_000 }, async () => {
    const app = 'gen-race';
    await createLiveApp(app);
    const dir = mkdtempSync(join(tmpdir(), 'slipway-race-'));
    await gitOk(['clone', '-q', server.gitUrl(app), dir]);
    const pushDuringTurn = async (file: string, content: string) => {
      writeFileSync(join(dir, file), content);
      await gitOk(['add', file], { cwd: dir });
      await gitOk(['commit', '-qm', `person edits ${file}`], { cwd: dir });
      await gitOk(['push', '-q', '-o', 'async', 'origin', 'main'], { cwd: dir });
    };
    // Not overlapping: the person adds a file while the model edits the page.
    fake.push(async () => {
      await pushDuringTurn('public/about.html', page('About'));
      return {
        blocks: [
          { type: 'tool_use', name: 'write_file', input: { path: 'public/index.html', content: page('Raced') } },
          { type: 'tool_use', name: 'finish', input: { summary: 'Rename the page' } },
        ],
      };
    });
    const ok = await generate(app, 'Rename the page');
    expect(ok.events.find((e) => e.event === 'commit')?.data.rebasedOnto).toMatch(/^[0-9a-f]{40}$/);
    const files = (await gitOk(['--git-dir', join(server.dataDir, 'repos', `${app}.git`), 'ls-tree', '-r', '--name-only', 'main'])).stdout;
    expect(files).toContain('public/about.html');
    expect((await getViaProxy(server.port, `${app}-preview.localhost`, '/about.html')).body).toContain('<h1>About</h1>');
    expect((await getViaProxy(server.port, `${app}-preview.localhost`)).body).toContain('<h1>Raced</h1>');

    // Overlapping: both change the page. The person's push stays; the generation says why it committed nothing.
    await gitOk(['pull', '-q', '--rebase', 'origin', 'main'], { cwd: dir });
    fake.push(async () => {
      await pushDuringTurn('public/index.html', page('Person wins'));
      return {
        blocks: [
          { type: 'tool_use', name: 'write_file', input: { path: 'public/index.html', content: page('Model loses') } },
          { type: 'tool_use', name: 'finish', input: { summary: 'Rename again' } },
        ],
      };
    });
    const clash = await generate(app, 'Rename again');
    expect(clash.events.find((e) => e.event === 'error')?.data).toMatchObject({
      code: 'COMMIT_CONFLICT',
      message: expect.stringMatching(/changed the same files \(public\/index\.html\); nothing was committed/),
    });
    const show = await gitOk(['--git-dir', join(server.dataDir, 'repos', `${app}.git`), 'show', 'main:public/index.html']);
    expect(show.stdout).toContain('Person wins');
  });

  it(
    'sends a failed build back to the model, which fixes it; a model that never fixes it gets exactly SLIPWAY_FIX_ATTEMPTS tries',
    { timeout: 300_000 },
    async () => {
      const app = 'gen-fix';
      await createLiveApp(app);
      const brokenDockerfile = 'ARG NGINX_IMAGE=nginx:alpine\nFROM ${NGINX_IMAGE}\nRUN exit 7\n';
      const goodDockerfile = readFileSync(join(server.config.projectRoot, 'app-templates', 'static-site', 'Dockerfile'), 'utf8');
      fake.push(
        {
          blocks: [
            { type: 'tool_use', name: 'write_file', input: { path: 'Dockerfile', content: brokenDockerfile } },
            { type: 'tool_use', name: 'finish', input: { summary: 'Simplify the Dockerfile' } },
          ],
        },
        (req) => {
          // The fix request carries the build error.
          expect(JSON.stringify(req.body.messages)).toMatch(/returned a non-zero code: 7/);
          return {
            blocks: [
              { type: 'tool_use', name: 'write_file', input: { path: 'Dockerfile', content: goodDockerfile } },
              { type: 'tool_use', name: 'finish', input: { summary: 'Restore the working Dockerfile' } },
            ],
          };
        },
      );
      const fixed = await generate(app, 'Simplify the Dockerfile');
      expect(fixed.events.find((e) => e.event === 'fix')?.data).toMatchObject({ attempt: 1, of: 1, reason: 'failed to build' });
      expect(fixed.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'live' } });
      const trailers = await mainLog(app, '%B');
      expect(trailers[0]).toMatch(
        /^Restore the working Dockerfile\n\nThe commit [0-9a-f]{12} failed to build\. Fix it with the smallest change\.\n\nGenerated-By: .*\nSlipway-Generation: g_\S+\nSlipway-Fix-Of: g_\S+\nSlipway-Requested-By: slipway\n$/,
      );

      // A model that never fixes it: one request, one fix (the budget), then it stops and says so.
      const commitsBefore = (await mainLog(app, '%H')).length;
      const breakIt = {
        blocks: [
          { type: 'tool_use' as const, name: 'write_file', input: { path: 'Dockerfile', content: brokenDockerfile } },
          { type: 'tool_use' as const, name: 'finish', input: { summary: 'Break it' } },
        ],
      };
      const breakAgain = {
        blocks: [
          { type: 'tool_use' as const, name: 'write_file', input: { path: 'Dockerfile', content: `${brokenDockerfile}# still broken\n` } },
          { type: 'tool_use' as const, name: 'finish', input: { summary: 'Try again' } },
        ],
      };
      fake.push(breakIt, breakAgain);
      const stuck = await generate(app, 'Break it');
      expect(stuck.events.filter((e) => e.event === 'fix')).toHaveLength(1);
      expect(stuck.events.find((e) => e.event === 'error')?.data).toMatchObject({ code: 'FIX_BUDGET_SPENT' });
      expect(stuck.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'failed' } });
      expect((await mainLog(app, '%H')).length - commitsBefore).toBe(2);
      expect(fake.remaining()).toBe(0);
      // The preview kept serving the last healthy commit.
      expect((await getViaProxy(server.port, `${app}-preview.localhost`)).status).toBe(200);
    },
  );

  it('refuses a second generation while one runs (409), and explains a missing API key (503)', { timeout: 60_000 }, async () => {
    const app = 'gen-busy';
    expect((await server.api('POST', '/api/apps', { name: app, template: 'static-site' })).status).toBe(201);
    fake.push(
      { blocks: [{ type: 'text', text: 'thinking…' }], eventDelayMs: 300 },
      { blocks: [{ type: 'tool_use', name: 'finish', input: { summary: 'Nothing' } }] },
    );
    const first = await server.api('POST', `/api/apps/${app}/generations`, { prompt: 'slow one' });
    expect(first.status).toBe(202);
    const second = await server.api('POST', `/api/apps/${app}/generations`, { prompt: 'another' });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toMatch(/already running/);
    await readSse(`${server.url}/api/generations/${first.body.generation.id}/events`, server.token);
    const nothing = (await server.api('GET', `/api/generations/${first.body.generation.id}`)).body.generation;
    expect(nothing.status).toBe('nothing');

    const keyless = await startTestServer({});
    try {
      expect((await keyless.api('POST', '/api/apps', { name: 'nokey', template: 'static-site' })).status).toBe(201);
      const r = await keyless.api('POST', '/api/apps/nokey/generations', { prompt: 'hello' });
      expect(r.status).toBe(503);
      expect(r.body.error).toMatchObject({ code: 'NO_API_KEY', message: expect.stringMatching(/set ANTHROPIC_API_KEY/) });
      expect((await keyless.api('GET', '/api/apps/nokey')).status).toBe(200);
    } finally {
      await keyless.stop();
    }
  });
});
