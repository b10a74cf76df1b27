// A stand-in for the Anthropic Messages API on 127.0.0.1, scripted per test. It speaks the
// streaming wire format exactly (named SSE events whose data `type` equals the event name, a
// blank line after each), answers errors with the API's JSON error bodies and headers, and
// checks requests the way the API does (tool_use/tool_result pairing, empty text), so the
// production client is what talks to it and a malformed conversation fails here as it would there.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeBlock =
  /** Sent as `chunks` text_delta events (default 3). */
  | { type: 'text'; text: string; chunks?: number }
  /** The input's JSON is sent as `chunks` input_json_delta events (default 3), after an empty one as the API does. */
  | { type: 'tool_use'; name: string; input: unknown; id?: string; chunks?: number };

export interface FakeMessageReply {
  blocks: FakeBlock[];
  /** Default: `tool_use` when a block is a tool call, else `end_turn`. */
  stopReason?: 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'refusal' | 'pause_turn' | 'model_context_window_exceeded';
  usage?: { input?: number; output?: number; cacheRead?: number; cacheWrite?: number };
  /** A ping after every N events (the API sends one after message_start: that one is always sent). */
  pingEvery?: number;
  /** After this many events, send `event: error` (of `errorType`) and end the response: a mid-stream failure. */
  errorAfterEvents?: number;
  errorType?: 'overloaded_error' | 'api_error' | 'rate_limit_error';
  /** After this many events, destroy the connection without a word. */
  dropAfterEvents?: number;
  /** Wait between events, to let a test abort mid-stream. */
  eventDelayMs?: number;
}

export interface FakeErrorReply {
  status: number;
  /** `retry-after` header (seconds). */
  retryAfter?: number | string;
  /** `retry-after-ms` header: the SDK prefers it, and tests use 1 to stay fast. */
  retryAfterMs?: number;
  /** `x-should-retry` header. */
  shouldRetry?: boolean;
  /** JSON body; default `{"type":"error","error":{"type":<from status>,"message":…}}`. */
  body?: unknown;
}

/** What the stand-in received. The body is parsed JSON. */
export interface RecordedRequest {
  index: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: FakeRequestBody;
}

export interface FakeRequestBody {
  model: string;
  max_tokens: number;
  stream?: boolean;
  system?: string | Array<{ type: string; text: string }>;
  tools?: Array<{ name: string; description?: string; input_schema: unknown }>;
  messages: FakeMessageParam[];
  [key: string]: unknown;
}

export interface FakeMessageParam {
  /** `system` mid-conversation: what the Claude Code CLI (2.1.x) sends for its reminders. */
  role: 'user' | 'assistant' | 'system';
  content: string | FakeContentBlock[];
}

export interface FakeContentBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
  [key: string]: unknown;
}

export type FakeReply = FakeMessageReply | FakeErrorReply | ((request: RecordedRequest) => FakeReply | Promise<FakeReply>);

export interface FakeAnthropicOptions {
  /** When set, any other key is answered 401 (without using a scripted reply). */
  apiKey?: string;
  /**
   * Answers every request once the script is used up: for a client that sends requests of its own besides the
   * conversation (the Claude Code CLI asks for a title, a quota check, …) whose number a test cannot script.
   */
  respond?: (request: RecordedRequest) => FakeReply;
}

export interface FakeAnthropic {
  /** Base URL for the SDK (`baseURL`). */
  url: string;
  requests: RecordedRequest[];
  /** Appends replies to the script. */
  push(...replies: FakeReply[]): void;
  /** Scripted replies not used yet. */
  remaining(): number;
  close(): Promise<void>;
}

const errorTypeByStatus: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const errorMessageByType: Record<string, string> = {
  authentication_error: 'invalid x-api-key',
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit',
  overloaded_error: 'Overloaded',
  api_error: 'Internal server error',
};

export async function startFakeAnthropic(script: FakeReply[] = [], options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const queue = [...script];
  const requests: RecordedRequest[] = [];
  let counter = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendError(res, 500, { message: `fake-anthropic: ${(e as Error).message}` }, `req_fake_${counter}`, { shouldRetry: false });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const index = ++counter;
    const requestId = `req_fake_${index}`;
    const raw = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    let body: FakeRequestBody;
    try {
      body = (raw.length > 0 ? JSON.parse(raw) : {}) as FakeRequestBody;
    } catch {
      sendError(res, 400, { type: 'invalid_request_error', message: 'the request body is not JSON' }, requestId, {});
      return;
    }
    const recorded: RecordedRequest = { index, method: req.method ?? '', path: req.url ?? '', headers, body };
    requests.push(recorded);

    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v1/messages') {
      sendError(res, 404, { type: 'not_found_error', message: `fake-anthropic serves POST /v1/messages only, not ${req.method} ${req.url}` }, requestId, {});
      return;
    }
    if (options.apiKey !== undefined) {
      const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
      const key = bearer ?? headers['x-api-key'];
      if (key !== options.apiKey) {
        sendError(res, 401, { type: 'authentication_error', message: 'invalid x-api-key' }, requestId, {});
        return;
      }
    }
    const invalid = explainInvalid(body);
    if (invalid) {
      sendError(res, 400, { type: 'invalid_request_error', message: invalid }, requestId, {});
      return;
    }

    let reply = queue.shift() ?? options.respond?.(recorded);
    while (typeof reply === 'function') reply = await reply(recorded);
    if (reply === undefined) {
      // Never retried by the SDK, so a test that sends more requests than scripted fails at once.
      sendError(res, 500, { type: 'api_error', message: `fake-anthropic: no scripted reply left for request #${index}` }, requestId, { shouldRetry: false });
      return;
    }
    if ('status' in reply) {
      const type = errorTypeByStatus[reply.status] ?? 'api_error';
      const error = { type, message: errorMessageByType[type] ?? `error ${reply.status}` };
      sendError(res, reply.status, error, requestId, reply);
      return;
    }
    await sendStream(res, reply, body.model, requestId, index);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    push: (...replies) => void queue.push(...replies),
    remaining: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendError(res: ServerResponse, status: number, error: { type?: string; message: string }, requestId: string, reply: Partial<FakeErrorReply>): void {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': requestId };
  if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
  if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.retryAfterMs);
  if (reply.shouldRetry !== undefined) headers['x-should-retry'] = String(reply.shouldRetry);
  const body = reply.body ?? {
    type: 'error',
    error: { type: error.type ?? errorTypeByStatus[status] ?? 'api_error', message: error.message },
    request_id: requestId,
  };
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

/** The events of one streamed message, in the order the API sends them. */
export function buildEvents(reply: FakeMessageReply, model: string, messageId: string): Array<{ event: string; data: Record<string, unknown> }> {
  const usage = reply.usage ?? {};
  const events: Array<{ event: string; data: Record<string, unknown> }> = [];
  const add = (event: string, data: Record<string, unknown>) => events.push({ event, data: { type: event, ...data } });
  add('message_start', {
    message: {
      id: messageId,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: usage.input ?? 100,
        cache_creation_input_tokens: usage.cacheWrite ?? 0,
        cache_read_input_tokens: usage.cacheRead ?? 0,
        output_tokens: 1,
      },
    },
  });
  add('ping', {});
  reply.blocks.forEach((block, index) => {
    if (block.type === 'text') {
      add('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const part of split(block.text, block.chunks ?? 3)) add('content_block_delta', { index, delta: { type: 'text_delta', text: part } });
    } else {
      const id = block.id ?? `toolu_fake_${messageId.replace(/^msg_fake_/, '')}_${index}`;
      add('content_block_start', { index, content_block: { type: 'tool_use', id, name: block.name, input: {} } });
      add('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } });
      for (const part of split(JSON.stringify(block.input), block.chunks ?? 3))
        add('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } });
    }
    add('content_block_stop', { index });
  });
  const stopReason = reply.stopReason ?? (reply.blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
  add('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output ?? 50 } });
  add('message_stop', {});
  if (reply.pingEvery && reply.pingEvery > 0) {
    const withPings: typeof events = [];
    events.forEach((e, i) => {
      withPings.push(e);
      if ((i + 1) % reply.pingEvery! === 0 && i < events.length - 1) withPings.push({ event: 'ping', data: { type: 'ping' } });
    });
    return withPings;
  }
  return events;
}

async function sendStream(res: ServerResponse, reply: FakeMessageReply, model: string, requestId: string, index: number): Promise<void> {
  const events = buildEvents(reply, model, `msg_fake_${index}`);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': requestId,
  });
  for (let i = 0; i < events.length; i++) {
    if (reply.errorAfterEvents !== undefined && i === reply.errorAfterEvents) {
      const type = reply.errorType ?? 'overloaded_error';
      res.end(frame('error', { type: 'error', error: { type, message: errorMessageByType[type] ?? type }, request_id: requestId }));
      return;
    }
    if (reply.dropAfterEvents !== undefined && i === reply.dropAfterEvents) {
      // Let the events written so far reach the client first: the drop must come mid-stream, not before it.
      await new Promise((r) => setTimeout(r, 20));
      res.destroy();
      return;
    }
    const e = events[i]!;
    res.write(frame(e.event, e.data));
    if (reply.eventDelayMs) {
      await new Promise((r) => setTimeout(r, reply.eventDelayMs));
      if (res.destroyed) return;
    }
  }
  res.end();
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Splits text into about `parts` pieces without cutting a UTF-16 surrogate pair. */
function split(text: string, parts: number): string[] {
  if (text.length === 0) return [''];
  const size = Math.max(1, Math.ceil(text.length / Math.max(1, parts)));
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    // Keep a high surrogate with its low half.
    if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end++;
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The checks the API makes that a client can get wrong; null when the request is acceptable. */
export function explainInvalid(body: FakeRequestBody): string | null {
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required';
  if (body.stream !== true) return 'fake-anthropic answers streaming requests only ("stream": true)';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  if (body.messages[0]?.role !== 'user') return 'messages: first message must use the "user" role';
  for (const [i, m] of body.messages.entries()) {
    if (m.role !== 'user' && m.role !== 'assistant' && m.role !== 'system') return `messages.${i}.role: Input should be 'user', 'assistant' or 'system'`;
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    if (!Array.isArray(blocks) || blocks.length === 0) return `messages.${i}: all messages must have non-empty content`;
    for (const [j, b] of blocks.entries()) {
      if (b.type === 'text' && (typeof b.text !== 'string' || b.text === '')) return `messages.${i}.content.${j}: text content blocks must be non-empty`;
      if (b.type === 'tool_use' && m.role !== 'assistant') return `messages.${i}.content.${j}: tool_use blocks are only allowed in assistant messages`;
      if (b.type === 'tool_result' && m.role !== 'user') return `messages.${i}.content.${j}: tool_result blocks are only allowed in user messages`;
    }
    // Every tool_use needs its tool_result, first thing in the very next message.
    const uses = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id);
    if (uses.length > 0) {
      const next = body.messages[i + 1];
      if (next === undefined) return `messages.${i}: tool_use ids were found without tool_result blocks immediately after: ${uses.join(', ')}`;
      const nextBlocks = typeof next.content === 'string' ? [] : next.content;
      const results = nextBlocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
      const missing = uses.filter((id) => !results.includes(id));
      if (missing.length > 0) return `messages.${i + 1}: tool_use ids were found without tool_result blocks immediately after: ${missing.join(', ')}`;
      const firstNonResult = nextBlocks.findIndex((b) => b.type !== 'tool_result');
      const lastResult = nextBlocks.map((b) => b.type).lastIndexOf('tool_result');
      if (firstNonResult !== -1 && firstNonResult < lastResult) return `messages.${i + 1}: tool_result blocks must come first in the message`;
    }
    if (m.role === 'user' && typeof m.content !== 'string') {
      const prev = body.messages[i - 1];
      const prevIds = prev && typeof prev.content !== 'string' ? prev.content.filter((b) => b.type === 'tool_use').map((b) => b.id) : [];
      for (const b of m.content) {
        if (b.type === 'tool_result' && !prevIds.includes(b.tool_use_id))
          return `messages.${i}: unexpected tool_use_id found in tool_result blocks: ${b.tool_use_id}`;
      }
    }
  }
  return null;
}
