// runGeneration against the stand-in Anthropic server: the real SDK does the talking.
import { afterEach, describe, expect, it } from 'vitest';
import { runGeneration, type CodegenSettings, type GenerationEvent, type GenerationOptions } from '../../../src/codegen/run-generation.js';
import { createMemoryTreeSource } from '../../../src/codegen/tree-source.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeContentBlock, type FakeReply, type RecordedRequest } from '../../helpers/fake-anthropic.js';
import { freePort } from '../../helpers/free-port.js';

const MODEL = 'claude-sonnet-5-5';
const KEY = 'sk-ant-test-0123456789';

let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(script: FakeReply[], apiKey?: string): Promise<FakeAnthropic> {
  fake = await startFakeAnthropic(script, apiKey === undefined ? {} : { apiKey });
  return fake;
}

function settings(url: string, extra: Partial<CodegenSettings> = {}): CodegenSettings {
  return {
    apiKey: KEY,
    baseURL: url,
    model: MODEL,
    maxTurns: 8,
    maxTokensPerTurn: 4096,
    maxTotalTokens: 100_000,
    maxRetries: 2,
    retryBaseDelayMs: 1,
    ...extra,
  };
}

function generate(url: string, over: Partial<GenerationOptions> = {}, events: GenerationEvent[] = []) {
  return runGeneration({
    settings: settings(url),
    systemPrompt: 'You are the developer of a static site.',
    history: [],
    prompt: 'Make a site about otters',
    source: createMemoryTreeSource({ Dockerfile: 'ARG NGINX_IMAGE=nginx:alpine\nFROM ${NGINX_IMAGE}\n', 'public/index.html': '<h1>Hello</h1>\n' }),
    onEvent: (e) => events.push(e),
    ...over,
  });
}

/** The tool_result blocks of the last user message of a recorded request. */
function toolResults(req: RecordedRequest | undefined): FakeContentBlock[] {
  const last = req?.body.messages.at(-1);
  if (!last || typeof last.content === 'string') return [];
  return last.content.filter((b) => b.type === 'tool_result');
}

const finish = (summary: string) => ({ type: 'tool_use' as const, name: 'finish', input: { summary } });
const write = (path: string, content: string) => ({ type: 'tool_use' as const, name: 'write_file', input: { path, content } });
const done = (summary = 'Done') => ({ blocks: [{ type: 'text' as const, text: 'All set.' }, finish(summary)] });

describe('runGeneration', () => {
  it('writes a static site in several files and returns them with the summary from finish', async () => {
    const f = await start([
      {
        blocks: [
          { type: 'text', text: 'Let me look at the current page first.' },
          { type: 'tool_use', name: 'read_file', input: { path: 'public/index.html' } },
        ],
      },
      {
        blocks: [
          { type: 'text', text: 'Writing the otter site: a page, a stylesheet and a script.' },
          write('public/index.html', '<!doctype html><link rel="stylesheet" href="css/site.css"><h1>Otters</h1><script src="js/app.js"></script>\n'),
          write('public/css/site.css', 'h1 { color: sienna; }\n'),
          write('public/js/app.js', 'console.log("otters");\n'),
        ],
        pingEvery: 4,
      },
      { blocks: [{ type: 'text', text: 'Done: three files.' }, finish('Make the site about otters')] },
    ]);
    const events: GenerationEvent[] = [];
    const result = await generate(f.url, {}, events);

    expect(result.status).toBe('done');
    if (result.status !== 'done') return;
    expect(result.summary).toBe('Make the site about otters');
    expect(result.turns).toBe(3);
    expect(result.changes.map((c) => [c.path, c.content?.toString()])).toEqual([
      ['public/css/site.css', 'h1 { color: sienna; }\n'],
      ['public/index.html', '<!doctype html><link rel="stylesheet" href="css/site.css"><h1>Otters</h1><script src="js/app.js"></script>\n'],
      ['public/js/app.js', 'console.log("otters");\n'],
    ]);
    expect(result.text).toContain('Writing the otter site');
    expect(result.usage).toMatchObject({ input: 300, output: 150 });

    // Wire: streamed, bearer auth, model from settings, the tools, system prompt as given.
    expect(f.requests).toHaveLength(3);
    const first = f.requests[0]!;
    expect(first.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(first.body).toMatchObject({ model: MODEL, max_tokens: 4096, stream: true, system: 'You are the developer of a static site.' });
    expect(first.body.tools?.map((t) => t.name)).toEqual(['list_files', 'read_file', 'write_file', 'delete_file', 'finish']);
    const opening = first.body.messages[0]!.content as string;
    expect(opening).toContain('public/index.html');
    expect(opening).toContain('Make a site about otters');
    // The read result came from the TreeSource; the writes were acknowledged.
    expect(toolResults(f.requests[1])[0]).toMatchObject({ content: '<h1>Hello</h1>\n' });
    expect(toolResults(f.requests[2]).map((r) => r.is_error ?? false)).toEqual([false, false, false]);
    // The assistant turn was sent back with its tool calls, in order, before the results.
    const second = f.requests[2]!.body.messages;
    expect(second.at(-2)?.role).toBe('assistant');

    // Events: file writes in order, usage totals, tool calls.
    expect(events.filter((e) => e.type === 'file')).toEqual([
      { type: 'file', op: 'write', path: 'public/index.html', bytes: result.changes[1]!.content!.length },
      { type: 'file', op: 'write', path: 'public/css/site.css', bytes: 22 },
      { type: 'file', op: 'write', path: 'public/js/app.js', bytes: 23 },
    ]);
    expect(events.filter((e) => e.type === 'tool').map((e) => e.type === 'tool' && e.name)).toEqual([
      'read_file',
      'write_file',
      'write_file',
      'write_file',
      'finish',
    ]);
    expect(events.filter((e) => e.type === 'usage').at(-1)).toEqual({ type: 'usage', input: 300, output: 150 });
  });

  it('streams text deltas in order through onEvent', async () => {
    const text = 'Otters hold hands while they sleep, so they do not drift apart. ';
    const f = await start([{ blocks: [{ type: 'text', text, chunks: 9 }, write('a.txt', 'x'), finish('Add a')] }]);
    const events: GenerationEvent[] = [];
    await generate(f.url, {}, events);
    const deltas = events.flatMap((e) => (e.type === 'text' ? [e.delta] : []));
    expect(deltas.length).toBeGreaterThanOrEqual(8);
    expect(deltas.join('')).toBe(text);
  });

  it('refuses bad paths and a 20 MB file inside the loop: the model sees is_error results and nothing is written', async () => {
    const big = 'x'.repeat(20 * 1024 * 1024);
    const f = await start([
      {
        blocks: [
          write('../x', 'escape'),
          write('/etc/passwd', 'root::0:0::/:/bin/sh'),
          write('.git/config', '[core]'),
          write('a/../../b', 'escape'),
          // One delta: the SDK re-parses the partial JSON on every delta, which is slow at 20 MB.
          { ...write('public/huge.html', big), chunks: 1 },
          { type: 'tool_use', name: 'read_file', input: { path: '.git/HEAD' } },
          { type: 'tool_use', name: 'delete_file', input: { path: '../outside' } },
        ],
      },
      { blocks: [{ type: 'text', text: 'I could not write those files.' }], stopReason: 'end_turn' },
    ]);
    const events: GenerationEvent[] = [];
    const result = await generate(f.url, {}, events);

    const results = toolResults(f.requests[1]);
    expect(results).toHaveLength(7);
    for (const r of results) expect(r.is_error).toBe(true);
    const messages = results.map((r) => String(r.content));
    expect(messages[0]).toMatch(/outside the repository/);
    expect(messages[1]).toMatch(/relative/);
    expect(messages[2]).toMatch(/\.git/);
    expect(messages[3]).toMatch(/outside the repository/);
    expect(messages[4]).toMatch(/20 MiB.*at most 1 MiB/);
    expect(messages[5]).toMatch(/\.git/);
    expect(messages[6]).toMatch(/outside the repository/);

    expect(result.status).toBe('nothing');
    if (result.status === 'nothing') expect(result.reason).toContain('I could not write those files.');
    expect(events.some((e) => e.type === 'file')).toBe(false);
  });

  it('makes no commit when the model finishes without changing anything, and says why', async () => {
    const f = await start([{ blocks: [{ type: 'text', text: 'The page already says hello.' }, finish('Nothing to change')] }]);
    const result = await generate(f.url);
    expect(result).toMatchObject({ status: 'nothing' });
    if (result.status === 'nothing') expect(result.reason).toMatch(/changed no file.*Nothing to change/);
  });

  it('writing back the same content is not a change', async () => {
    const f = await start([{ blocks: [write('public/index.html', '<h1>Hello</h1>\n'), finish('Rewrite the page')] }]);
    expect((await generate(f.url)).status).toBe('nothing');
  });

  it('does not finish in a reply whose other calls failed: the model sees why and can fix them', async () => {
    const f = await start([
      { blocks: [write('ok.txt', 'fine'), write('../bad', 'no'), finish('Add files')] },
      { blocks: [write('good.txt', 'better'), finish('Add ok.txt and good.txt')] },
    ]);
    const result = await generate(f.url);
    const results = toolResults(f.requests[1]);
    expect(results.map((r) => r.is_error ?? false)).toEqual([false, true, true]);
    expect(String(results[2]?.content)).toMatch(/not finished: 1 other call/);
    expect(result).toMatchObject({ status: 'done', summary: 'Add ok.txt and good.txt' });
    if (result.status === 'done') expect(result.changes.map((c) => c.path)).toEqual(['good.txt', 'ok.txt']);
  });

  it('takes the first line of the final text as the summary when the model ends without finish', async () => {
    const f = await start([
      { blocks: [{ type: 'text', text: '## Added a footer\n\nThe footer links home.' }, write('public/footer.html', '<footer/>')] },
      { blocks: [{ type: 'text', text: '**Added a footer** to the page.\nMore words.' }] },
    ]);
    const result = await generate(f.url);
    expect(result).toMatchObject({ status: 'done', summary: 'Added a footer to the page.' });
  });

  it('fails with NO_API_KEY, saying how to set it, without sending any request', async () => {
    const f = await start([done()]);
    const result = await generate(f.url, { settings: settings(f.url, { apiKey: undefined }) });
    expect(result).toMatchObject({ status: 'failed', code: 'NO_API_KEY', turns: 0 });
    if (result.status === 'failed') expect(result.message).toMatch(/set ANTHROPIC_API_KEY in the server's environment.*restart/);
    const blank = await generate(f.url, { settings: settings(f.url, { apiKey: '  ' }) });
    expect(blank).toMatchObject({ status: 'failed', code: 'NO_API_KEY' });
    expect(f.requests).toHaveLength(0);
  });

  it('reports a refused key (401) as KEY_REFUSED, without retrying', async () => {
    const f = await start([done()], 'sk-ant-the-right-key-000');
    const result = await generate(f.url);
    expect(result).toMatchObject({ status: 'failed', code: 'KEY_REFUSED' });
    if (result.status === 'failed') {
      expect(result.message).toMatch(/^the API key was refused/);
      expect(result.message).not.toContain(KEY);
    }
    expect(f.requests).toHaveLength(1);
    expect(f.remaining()).toBe(1);
  });

  it('retries a 429 (retry-after) and then succeeds, announcing the retry', async () => {
    const f = await start([{ status: 429, retryAfter: 1, retryAfterMs: 1 }, { blocks: [write('a.txt', 'a'), finish('Add a.txt')] }]);
    const events: GenerationEvent[] = [];
    const result = await generate(f.url, {}, events);
    expect(result).toMatchObject({ status: 'done', summary: 'Add a.txt' });
    expect(f.requests).toHaveLength(2);
    expect(events.filter((e) => e.type === 'retry')).toEqual([
      { type: 'retry', attempt: 1, reason: 'rate limited by the Anthropic API', delayMs: 1, restartsTurn: false },
    ]);
  });

  it('retries a 429 with retry-after 0 (the SDK falls back to its backoff) and then succeeds', async () => {
    const f = await start([{ status: 429, retryAfter: 0 }, done()]);
    const started = Date.now();
    const result = await generate(f.url);
    expect(result.status).toBe('nothing');
    expect(f.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports OVERLOADED after 529 three times (maxRetries 2: three requests)', async () => {
    const overloaded = { status: 529, retryAfterMs: 1 };
    const f = await start([overloaded, overloaded, overloaded, done()]);
    const events: GenerationEvent[] = [];
    const result = await generate(f.url, {}, events);
    expect(result).toMatchObject({ status: 'failed', code: 'OVERLOADED' });
    if (result.status === 'failed') expect(result.message).toMatch(/overloaded \(tried 3 times\)/);
    expect(f.requests).toHaveLength(3);
    expect(events.filter((e) => e.type === 'retry').map((e) => e.type === 'retry' && e.attempt)).toEqual([1, 2]);
  });

  it('sends a turn again after a mid-stream error event, without applying its partial tool calls', async () => {
    const f = await start([
      // Breaks off after the first write_file call has fully arrived (message_start, ping, 3 text events, 5 tool events).
      {
        blocks: [{ type: 'text', text: 'Writing.', chunks: 1 }, write('partial.txt', 'from the failed turn'), write('second.txt', 'also failed')],
        errorAfterEvents: 9,
        errorType: 'overloaded_error',
      },
      { blocks: [{ type: 'text', text: 'Writing again.' }, write('final.txt', 'from the good turn'), finish('Add final.txt')] },
    ]);
    const events: GenerationEvent[] = [];
    const result = await generate(f.url, {}, events);
    expect(result).toMatchObject({ status: 'done', summary: 'Add final.txt' });
    if (result.status === 'done') expect(result.changes.map((c) => c.path)).toEqual(['final.txt']);
    expect(f.requests).toHaveLength(2);
    // The second request is the same turn again: nothing of the broken reply was sent back.
    expect(f.requests[1]!.body.messages).toEqual(f.requests[0]!.body.messages);
    expect(events.find((e) => e.type === 'retry')).toMatchObject({ attempt: 1, restartsTurn: true });
    expect(events.filter((e) => e.type === 'file').map((e) => e.type === 'file' && e.path)).toEqual(['final.txt']);
  });

  it('sends a turn again when the connection drops mid-stream', async () => {
    const f = await start([{ blocks: [write('lost.txt', 'lost')], dropAfterEvents: 4 }, { blocks: [write('kept.txt', 'kept'), finish('Add kept.txt')] }]);
    const events: GenerationEvent[] = [];
    const result = await generate(f.url, {}, events);
    expect(result).toMatchObject({ status: 'done' });
    if (result.status === 'done') expect(result.changes.map((c) => c.path)).toEqual(['kept.txt']);
    // Sent again by runGeneration (a new request), not by the SDK's own retry.
    expect(f.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '0']);
    expect(events.filter((e) => e.type === 'retry')).toMatchObject([{ attempt: 1, restartsTurn: true }]);
  });

  it('gives up on mid-stream errors after maxRetries turn retries and reports them', async () => {
    const broken = { blocks: [write('x.txt', 'x')], errorAfterEvents: 3, errorType: 'overloaded_error' as const };
    const f = await start([broken, broken, broken, done()]);
    const result = await generate(f.url);
    expect(result).toMatchObject({ status: 'failed', code: 'OVERLOADED' });
    expect(f.requests).toHaveLength(3);
  });

  it('reports a dead port as UNREACHABLE', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const events: GenerationEvent[] = [];
    const result = await generate(url, { settings: settings(url, { maxRetries: 1 }) }, events);
    expect(result).toMatchObject({ status: 'failed', code: 'UNREACHABLE' });
    if (result.status === 'failed') expect(result.message).toMatch(new RegExp(`cannot reach the Anthropic API at ${url}.*ECONNREFUSED`));
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(1);
  });

  it('stops at the turn cap: TURN_CAP, and the partial work is not returned as committed', async () => {
    const f = await start([{ blocks: [write('one.txt', '1')] }, { blocks: [write('two.txt', '2')] }, { blocks: [write('three.txt', '3')] }]);
    const result = await generate(f.url, { settings: settings(f.url, { maxTurns: 2 }) });
    expect(result).toMatchObject({ status: 'failed', code: 'TURN_CAP', turns: 2 });
    expect(result).not.toHaveProperty('changes');
    if (result.status === 'failed') expect(result.message).toMatch(/all 2 turns.*2 files.*not committed/);
    expect(f.requests).toHaveLength(2);
  });

  it('stops at the token cap: TOKEN_CAP', async () => {
    const f = await start([{ blocks: [write('one.txt', '1')], usage: { input: 900, output: 200 } }, { blocks: [write('two.txt', '2')] }]);
    const result = await generate(f.url, { settings: settings(f.url, { maxTotalTokens: 1000 }) });
    expect(result).toMatchObject({ status: 'failed', code: 'TOKEN_CAP', usage: { input: 900, output: 200 } });
    expect(f.requests).toHaveLength(1);
  });

  it('does not run a tool call cut off by max_tokens, and tells the model', async () => {
    const f = await start([
      { blocks: [write('whole.txt', 'whole'), write('cut.txt', 'cut off')], stopReason: 'max_tokens' },
      { blocks: [finish('Add whole.txt')] },
    ]);
    const result = await generate(f.url);
    const results = toolResults(f.requests[1]);
    expect(results.map((r) => r.is_error ?? false)).toEqual([false, true]);
    expect(String(results[1]?.content)).toMatch(/limit of 4096 tokens/);
    if (result.status === 'done') expect(result.changes.map((c) => c.path)).toEqual(['whole.txt']);
    else expect.fail(`expected done, got ${result.status}`);
  });

  it('reports a refusal as REFUSED and commits nothing', async () => {
    const f = await start([{ blocks: [write('a.txt', 'a')] }, { blocks: [{ type: 'text', text: 'I cannot help with that.' }], stopReason: 'refusal' }]);
    const result = await generate(f.url);
    expect(result).toMatchObject({ status: 'failed', code: 'REFUSED' });
  });

  it('stops when the signal aborts mid-stream: ABORTED', async () => {
    const controller = new AbortController();
    const f = await start([{ blocks: [{ type: 'text', text: 'slowly '.repeat(20), chunks: 20 }], eventDelayMs: 20 }]);
    const events: GenerationEvent[] = [];
    const pending = generate(f.url, {
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'text') controller.abort();
      },
    });
    const result = await pending;
    expect(result).toMatchObject({ status: 'failed', code: 'ABORTED' });
  });

  it('keeps a throwing event listener from breaking the generation', async () => {
    const f = await start([{ blocks: [{ type: 'text', text: 'hi' }, write('a.txt', 'a'), finish('Add a.txt')] }]);
    const result = await generate(f.url, {
      onEvent: () => {
        throw new Error('listener gone');
      },
    });
    expect(result.status).toBe('done');
  });
});
