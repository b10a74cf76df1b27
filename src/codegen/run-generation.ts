// One generation: the model works on the app's files through tools, in a bounded loop of turns,
// and the result is the set of changed files plus a one-line summary (the `finish` tool). It
// commits nothing: the pipeline turns a `done` result into one commit on main.
//
// Each turn is streamed. Tools run only once a turn's final message has arrived, so a turn that
// breaks off mid-stream (and is sent again) never applies any of its partial tool calls.
import type Anthropic from '@anthropic-ai/sdk';
import type { Logger } from '../shared/log.js';
import { ANTHROPIC_DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, createAnthropicClient, type AnthropicClientSettings } from './anthropic-client.js';
import { buildMessages, type PastExchange } from './build-messages.js';
import { NO_API_KEY_MESSAGE, classifyApiError, type GenerationFailure, type GenerationFailureCode } from './classify-api-error.js';
import { formatBytes } from './format-bytes.js';
import { CODEGEN_TOOLS, MAX_SUMMARY_LENGTH, runTool } from './tools.js';
import type { TreeSource } from './tree-source.js';
import { DEFAULT_WORKSPACE_LIMITS, createWorkspace, type FileChange, type Workspace, type WorkspaceLimits } from './workspace.js';

export type { PastExchange } from './build-messages.js';
export type { GenerationFailureCode } from './classify-api-error.js';
export type { FileChange, WorkspaceLimits } from './workspace.js';

export interface CodegenSettings extends Omit<AnthropicClientSettings, 'apiKey'> {
  /** ANTHROPIC_API_KEY; without it the generation fails with NO_API_KEY and sends nothing. */
  apiKey?: string | undefined;
  model: string;
  /** Model requests one generation may make. */
  maxTurns: number;
  /** `max_tokens` of each request. */
  maxTokensPerTurn: number;
  /** Input plus output tokens over all turns; no new turn starts past it. */
  maxTotalTokens: number;
  /** First wait before a turn that broke off mid-stream is sent again; doubles each time (default 1 s). */
  retryBaseDelayMs?: number | undefined;
}

export type GenerationEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool'; name: string; path?: string | undefined }
  | { type: 'file'; op: 'write' | 'delete'; path: string; bytes: number }
  /** restartsTurn: the text streamed since the turn began is void; the turn is sent again. */
  | { type: 'retry'; attempt: number; reason: string; delayMs: number; restartsTurn: boolean }
  /** Totals so far. */
  | { type: 'usage'; input: number; output: number };

export interface GenerationUsage {
  /** All input tokens, including those read from or written to the prompt cache. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export type GenerationResult =
  | { status: 'done'; summary: string; text: string; changes: FileChange[]; usage: GenerationUsage; turns: number }
  | { status: 'nothing'; reason: string; text: string; usage: GenerationUsage; turns: number }
  | { status: 'failed'; code: GenerationFailureCode; message: string; text: string; usage: GenerationUsage; turns: number };

export interface GenerationOptions {
  settings: CodegenSettings;
  /** The template's prompt (loadPrompt), sent as it is. */
  systemPrompt: string;
  /** Earlier exchanges of this app's conversation, oldest first. */
  history: readonly PastExchange[];
  /** What the person asked for. */
  prompt: string;
  /** The app's tree at main's head. */
  source: TreeSource;
  limits?: WorkspaceLimits | undefined;
  onEvent?: ((event: GenerationEvent) => void) | undefined;
  signal?: AbortSignal | undefined;
  logger?: Logger | undefined;
}

const DEFAULT_RETRY_BASE_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 8000;

/**
 * Resolves with `failed` for everything a person can act on (no key, refused key, rate limits,
 * outages, caps, a stop). Rejects only on faults in Slipway itself, such as a TreeSource that
 * cannot read the repo.
 */
export async function runGeneration(options: GenerationOptions): Promise<GenerationResult> {
  const { settings, signal } = options;
  const usage: GenerationUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  const texts: string[] = [];
  let turns = 0;

  const emit = (event: GenerationEvent) => {
    try {
      options.onEvent?.(event);
    } catch (e) {
      // A broken listener (a closed SSE stream) must not break the generation.
      options.logger?.warn('generation event listener failed', { error: e });
    }
  };
  const addUsage = (u: Partial<Anthropic.Usage> | undefined) => {
    if (!u) return;
    const cacheRead = u.cache_read_input_tokens ?? 0;
    const cacheWrite = u.cache_creation_input_tokens ?? 0;
    usage.input += (u.input_tokens ?? 0) + cacheRead + cacheWrite;
    usage.cacheRead += cacheRead;
    usage.cacheWrite += cacheWrite;
    usage.output += u.output_tokens ?? 0;
    emit({ type: 'usage', input: usage.input, output: usage.output });
  };
  const fail = (failure: GenerationFailure): GenerationResult => ({ status: 'failed', ...failure, text: texts.join('\n\n'), usage: { ...usage }, turns });

  const apiKey = settings.apiKey?.trim();
  if (!apiKey) return fail({ code: 'NO_API_KEY', message: NO_API_KEY_MESSAGE });

  const maxRetries = settings.maxRetries ?? DEFAULT_MAX_RETRIES;
  const requests = { thisTurn: 0 };
  const client = createAnthropicClient(
    { apiKey, baseURL: settings.baseURL, maxRetries, timeoutMs: settings.timeoutMs },
    {
      logger: options.logger,
      onRetry: (notice) => {
        requests.thisTurn++;
        emit({ type: 'retry', ...notice, restartsTurn: false });
      },
    },
  );
  const turnContext: TurnContext = { client, settings, maxRetries, requests, signal, emit, addUsage, logger: options.logger };
  const workspace = createWorkspace(options.source, options.limits ?? DEFAULT_WORKSPACE_LIMITS);
  const messages = buildMessages(options.history, options.prompt, await workspace.list());

  for (;;) {
    if (signal?.aborted) return fail(ABORTED);
    if (turns >= settings.maxTurns) {
      return fail({
        code: 'TURN_CAP',
        message: `Claude used all ${settings.maxTurns} turns (SLIPWAY_MAX_TURNS) without finishing; ${describeUncommitted(workspace)}. Try a smaller request.`,
      });
    }
    if (usage.input + usage.output >= settings.maxTotalTokens) {
      return fail({
        code: 'TOKEN_CAP',
        message: `the generation used ${usage.input + usage.output} tokens, reaching the limit of ${settings.maxTotalTokens} (SLIPWAY_MAX_TOTAL_TOKENS) before Claude finished; ${describeUncommitted(workspace)}. Try a smaller request.`,
      });
    }
    turns++;

    const turn = await sendTurn(turnContext, options.systemPrompt, messages);
    if (!turn.ok) return fail(turn.failure);
    const message = turn.message;
    addUsage(message.usage);

    const turnText = message.content
      .flatMap((b) => (b.type === 'text' ? [b.text] : []))
      .join('')
      .trim();
    if (turnText) texts.push(turnText);
    if (message.stop_reason === 'refusal') {
      return fail({ code: 'REFUSED', message: `Claude declined this request${turnText ? `: ${excerpt(turnText, 300)}` : ''}` });
    }
    if (message.stop_reason === 'model_context_window_exceeded') {
      return fail({
        code: 'TOKEN_CAP',
        message: `the conversation outgrew the model's context window; ${describeUncommitted(workspace)}. Try a smaller request.`,
      });
    }

    const assistantContent = toParams(message.content);
    if (!message.content.some((b) => b.type === 'tool_use')) {
      if (message.stop_reason === 'max_tokens' && assistantContent.length > 0) {
        messages.push({ role: 'assistant', content: assistantContent });
        messages.push({
          role: 'user',
          content: `Your reply was cut off at the limit of ${settings.maxTokensPerTurn} tokens per turn. Continue with the tools, keep each file small, and call finish when done.`,
        });
        continue;
      }
      // end_turn (or anything else) without finish: the model's text stands in for the summary.
      return conclude(workspace, texts, undefined, usage, turns);
    }

    const calls = await runToolCalls(workspace, message, settings.maxTokensPerTurn, emit);
    if (calls.finishSummary !== undefined) return conclude(workspace, texts, calls.finishSummary, usage, turns);
    // API rule: the assistant's tool calls, then a user message that starts with all their results.
    messages.push({ role: 'assistant', content: assistantContent }, { role: 'user', content: calls.results });
  }
}

const ABORTED: GenerationFailure = { code: 'ABORTED', message: 'the generation was stopped' };

interface TurnContext {
  client: Anthropic;
  settings: CodegenSettings;
  maxRetries: number;
  /** HTTP requests made for the current turn, including the SDK's own retries. */
  requests: { thisTurn: number };
  signal: AbortSignal | undefined;
  emit: (event: GenerationEvent) => void;
  addUsage: (usage: Partial<Anthropic.Usage> | undefined) => void;
  logger: Logger | undefined;
}

/** One turn, sent again as a whole (up to maxRetries times) when its stream breaks off. */
async function sendTurn(
  ctx: TurnContext,
  system: string,
  messages: Anthropic.MessageParam[],
): Promise<{ ok: true; message: Anthropic.Message } | { ok: false; failure: GenerationFailure }> {
  const { settings } = ctx;
  ctx.requests.thisTurn = 0;
  for (let attempt = 0; ; attempt++) {
    ctx.requests.thisTurn++;
    const params: Anthropic.MessageStreamParams = {
      model: settings.model,
      max_tokens: settings.maxTokensPerTurn,
      system,
      tools: CODEGEN_TOOLS,
      messages,
      // Every turn resends the system prompt, tools and conversation so far: let the API cache them.
      cache_control: { type: 'ephemeral' },
    };
    const outcome = await streamTurn(ctx.client, params, ctx.signal, (delta) => ctx.emit({ type: 'text', delta }));
    if (outcome.ok) return outcome;

    ctx.addUsage(outcome.partialUsage);
    const classified = classifyApiError(outcome.error, {
      streamStarted: outcome.streamStarted,
      attempts: ctx.requests.thisTurn,
      baseURL: settings.baseURL ?? ANTHROPIC_DEFAULT_BASE_URL,
      model: settings.model,
    });
    if (classified === null) throw outcome.error;
    if (!classified.retryTurn || attempt >= ctx.maxRetries || ctx.signal?.aborted)
      return { ok: false, failure: { code: classified.code, message: classified.message } };
    const delayMs = retryDelay(settings.retryBaseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS, attempt);
    ctx.logger?.info('a reply broke off mid-stream; sending the turn again', { attempt: attempt + 1, reason: classified.message });
    ctx.emit({ type: 'retry', attempt: attempt + 1, reason: classified.message, delayMs, restartsTurn: true });
    if (!(await sleep(delayMs, ctx.signal))) return { ok: false, failure: ABORTED };
  }
}

/**
 * Runs a turn's tool calls in order. `finishSummary` is set when the model called finish and
 * every other call of the turn succeeded; otherwise the finish result tells the model why not.
 */
async function runToolCalls(
  workspace: Workspace,
  message: Anthropic.Message,
  maxTokensPerTurn: number,
  emit: (event: GenerationEvent) => void,
): Promise<{ results: Anthropic.ToolResultBlockParam[]; finishSummary?: string }> {
  const results: Anthropic.ToolResultBlockParam[] = [];
  let finish: { summary: string; callId: string } | undefined;
  let failedCalls = 0;
  const lastBlock = message.content.at(-1);
  for (const call of message.content) {
    if (call.type !== 'tool_use') continue;
    const input = call.input as Record<string, unknown> | null;
    const path = typeof input?.path === 'string' ? input.path : typeof input?.folder === 'string' ? input.folder : undefined;
    emit({ type: 'tool', name: call.name, path });
    if (message.stop_reason === 'max_tokens' && call === lastBlock) {
      // The reply stopped inside this call: its input is incomplete, so it is not run.
      failedCalls++;
      results.push({
        type: 'tool_result',
        tool_use_id: call.id,
        is_error: true,
        content: `not run: your reply reached the limit of ${maxTokensPerTurn} tokens per turn inside this call, so its input is incomplete. Write smaller files (split large ones) and try again.`,
      });
      continue;
    }
    const outcome = await runTool(workspace, call.name, call.input);
    if (outcome.isError) failedCalls++;
    const effect = outcome.effect;
    if (effect?.kind === 'write') emit({ type: 'file', op: 'write', path: effect.path, bytes: effect.bytes });
    if (effect?.kind === 'delete') emit({ type: 'file', op: 'delete', path: effect.path, bytes: 0 });
    if (effect?.kind === 'finish') finish = { summary: effect.summary, callId: call.id };
    results.push({ type: 'tool_result', tool_use_id: call.id, content: outcome.content, ...(outcome.isError ? { is_error: true } : {}) });
  }
  if (finish === undefined) return { results };
  if (failedCalls === 0) return { results, finishSummary: finish.summary };
  // Finishing in the same reply as a failed call would commit work the model has not seen fail.
  const notFinished = `not finished: ${failedCalls} other call${failedCalls === 1 ? '' : 's'} in this reply failed (see their results). Fix them, then call finish again.`;
  for (const r of results) if (r.tool_use_id === finish.callId) Object.assign(r, { content: notFinished, is_error: true });
  return { results };
}

type TurnOutcome =
  { ok: true; message: Anthropic.Message } | { ok: false; error: unknown; streamStarted: boolean; partialUsage: Partial<Anthropic.Usage> | undefined };

async function streamTurn(
  client: Anthropic,
  params: Anthropic.MessageStreamParams,
  signal: AbortSignal | undefined,
  onText: (delta: string) => void,
): Promise<TurnOutcome> {
  const stream = client.messages.stream(params, signal ? { signal } : undefined);
  // Asked for at once, so a failure is always observed (the SDK reports unobserved ones as unhandled).
  const final = stream.finalMessage();
  let streamStarted = false;
  let partialUsage: Partial<Anthropic.Usage> | undefined;
  stream.on('connect', () => {
    streamStarted = true;
  });
  stream.on('text', (delta) => onText(delta));
  stream.on('streamEvent', (event) => {
    // Tokens of a reply that breaks off are spent all the same: they count against the caps.
    if (event.type === 'message_start') partialUsage = { ...event.message.usage };
    if (event.type === 'message_delta' && partialUsage) partialUsage.output_tokens = event.usage.output_tokens;
  });
  try {
    return { ok: true, message: await final };
  } catch (error) {
    return { ok: false, error, streamStarted, partialUsage };
  }
}

/** The assistant's content as it must be sent back: text and tool calls, without response-only fields. */
function toParams(content: readonly Anthropic.ContentBlock[]): Anthropic.ContentBlockParam[] {
  const out: Anthropic.ContentBlockParam[] = [];
  for (const block of content) {
    if (block.type === 'text' && block.text !== '') out.push({ type: 'text', text: block.text });
    else if (block.type === 'tool_use') out.push({ type: 'tool_use', id: block.id, name: block.name, input: block.input });
    else if (block.type === 'thinking') out.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
    else if (block.type === 'redacted_thinking') out.push({ type: 'redacted_thinking', data: block.data });
  }
  return out;
}

function conclude(workspace: Workspace, texts: string[], finishSummary: string | undefined, usage: GenerationUsage, turns: number): GenerationResult {
  const changes = workspace.changes();
  const text = texts.join('\n\n');
  if (changes.length === 0) {
    const said = finishSummary ?? texts.at(-1);
    const reason = said ? `Claude changed no file. It said: ${excerpt(said, 500)}` : 'Claude ended without changing any file.';
    return { status: 'nothing', reason, text, usage: { ...usage }, turns };
  }
  const summary = finishSummary ?? summaryFromText(texts.at(-1)) ?? summaryFromChanges(changes);
  return { status: 'done', summary, text, changes, usage: { ...usage }, turns };
}

/** The first line of the model's last text, without Markdown decoration, as a commit summary. */
function summaryFromText(text: string | undefined): string | undefined {
  const line = text
    ?.split('\n')
    .map((l) =>
      l
        .replace(/^[\s#>*-]+/, '')
        .replace(/[*_`]/g, '')
        .trim(),
    )
    .find((l) => l !== '');
  if (!line) return undefined;
  return line.length > MAX_SUMMARY_LENGTH ? `${line.slice(0, MAX_SUMMARY_LENGTH - 1).trimEnd()}…` : line;
}

function summaryFromChanges(changes: readonly FileChange[]): string {
  const first = changes[0];
  if (changes.length === 1 && first) return `${first.content === null ? 'Delete' : 'Update'} ${first.path}`;
  return `Update ${changes.length} files`;
}

function describeUncommitted(workspace: Workspace): string {
  const changes = workspace.changes();
  if (changes.length === 0) return 'no file had been changed, and nothing was committed';
  const bytes = changes.reduce((n, c) => n + (c.content?.length ?? 0), 0);
  return `its partial changes (${changes.length} file${changes.length === 1 ? '' : 's'}, ${formatBytes(bytes)}) were not committed`;
}

function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function retryDelay(baseMs: number, attempt: number): number {
  // Jitter, so many generations hit by the same outage do not all come back at once.
  return Math.round(Math.min(baseMs * 2 ** attempt, MAX_RETRY_DELAY_MS) * (1 - Math.random() * 0.25));
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
