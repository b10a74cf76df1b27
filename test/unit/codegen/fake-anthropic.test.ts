// The stand-in must speak the API's wire format exactly, or tests against it prove nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { explainInvalid, startFakeAnthropic, type FakeAnthropic, type FakeRequestBody } from '../../helpers/fake-anthropic.js';

let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const request: FakeRequestBody = { model: 'claude-sonnet-5-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] };
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer k', ...headers },
    body: JSON.stringify(body),
  });

describe('startFakeAnthropic', () => {
  it('streams named SSE events whose data type is the event name, each followed by a blank line', async () => {
    fake = await startFakeAnthropic([
      {
        blocks: [
          { type: 'text', text: 'Hello there', chunks: 2 },
          { type: 'tool_use', name: 'read_file', input: { path: 'a' }, id: 'toolu_x', chunks: 2 },
        ],
        pingEvery: 3,
      },
    ]);
    const res = await post(fake.url, request);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('request-id')).toBe('req_fake_1');
    const raw = await res.text();
    expect(raw.endsWith('\n\n')).toBe(true);
    const frames = raw.slice(0, -2).split('\n\n');
    const events = frames.map((f) => {
      const [eventLine, dataLine, ...rest] = f.split('\n');
      expect(rest).toEqual([]);
      expect(eventLine).toMatch(/^event: [a-z_]+$/);
      expect(dataLine).toMatch(/^data: \{/);
      const name = eventLine!.slice('event: '.length);
      const data = JSON.parse(dataLine!.slice('data: '.length)) as { type: string; [k: string]: unknown };
      expect(data.type).toBe(name);
      return data;
    });
    const names = events.filter((e) => e.type !== 'ping').map((e) => e.type);
    expect(names).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events.filter((e) => e.type === 'ping').length).toBeGreaterThan(1);
    expect(events[0]).toMatchObject({ message: { role: 'assistant', model: 'claude-sonnet-5-5', content: [], stop_reason: null } });
    const deltas = events.filter((e) => e.type === 'content_block_delta') as unknown as Array<{
      index: number;
      delta: { type: string; text?: string; partial_json?: string };
    }>;
    expect(
      deltas
        .filter((d) => d.index === 0)
        .map((d) => d.delta.text)
        .join(''),
    ).toBe('Hello there');
    expect(
      JSON.parse(
        deltas
          .filter((d) => d.index === 1)
          .map((d) => d.delta.partial_json)
          .join(''),
      ),
    ).toEqual({ path: 'a' });
    expect(events.find((e) => e.type === 'message_delta')).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 50 } });
  });

  it('answers scripted errors with the API error body and retry headers', async () => {
    fake = await startFakeAnthropic([
      { status: 429, retryAfter: 1, retryAfterMs: 1 },
      { status: 529, shouldRetry: false },
    ]);
    const limited = await post(fake.url, request);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('retry-after-ms')).toBe('1');
    expect(await limited.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    const overloaded = await post(fake.url, request);
    expect(overloaded.headers.get('x-should-retry')).toBe('false');
    expect(await overloaded.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });

  it('ends a stream with an error event when told to', async () => {
    fake = await startFakeAnthropic([{ blocks: [{ type: 'text', text: 'abc' }], errorAfterEvents: 3 }]);
    const raw = await (await post(fake.url, request)).text();
    expect(raw).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error","message":"Overloaded"\}/);
    expect(raw).not.toContain('message_stop');
  });

  it('accepts Bearer and x-api-key, and answers 401 for a wrong key without using the script', async () => {
    fake = await startFakeAnthropic([{ blocks: [{ type: 'text', text: 'a' }] }, { blocks: [{ type: 'text', text: 'b' }] }], { apiKey: 'right' });
    expect((await post(fake.url, request, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(fake.url, request, { authorization: 'Bearer right' })).status).toBe(200);
    expect((await post(fake.url, request, { authorization: '', 'x-api-key': 'right' })).status).toBe(200);
    expect(fake.requests.map((r) => r.headers.authorization || r.headers['x-api-key'])).toEqual(['Bearer wrong', 'Bearer right', 'right']);
  });

  it('lets a function reply look at the request, and fails loudly when the script runs out', async () => {
    fake = await startFakeAnthropic([(req) => ({ blocks: [{ type: 'text', text: `you sent ${req.body.messages.length}`, chunks: 1 }] })]);
    expect(await (await post(fake.url, request)).text()).toContain('you sent 1');
    const over = await post(fake.url, request);
    expect(over.status).toBe(500);
    expect(over.headers.get('x-should-retry')).toBe('false');
  });
});

describe('explainInvalid', () => {
  const use = { type: 'tool_use', id: 't1', name: 'read_file', input: {} };
  it('accepts a well-formed tool round trip', () => {
    expect(
      explainInvalid({
        ...request,
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: [use] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] },
        ],
      }),
    ).toBeNull();
  });
  it('refuses what the API refuses', () => {
    expect(explainInvalid({ ...request, stream: false })).toMatch(/streaming/);
    expect(explainInvalid({ ...request, messages: [{ role: 'assistant', content: 'x' }] })).toMatch(/first message/);
    expect(explainInvalid({ ...request, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] })).toMatch(/non-empty/);
    expect(
      explainInvalid({
        ...request,
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: [use] },
          { role: 'user', content: 'no result' },
        ],
      }),
    ).toMatch(/without tool_result/);
    expect(
      explainInvalid({
        ...request,
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: [use] },
        ],
      }),
    ).toMatch(/without tool_result/);
    expect(explainInvalid({ ...request, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'zz' }] }] })).toMatch(
      /unexpected tool_use_id/,
    );
  });
});
