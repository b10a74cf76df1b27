// Creates the Anthropic SDK client from values the configuration read, so the SDK never falls back
// to environment variables or to credential files on its own. The key is only ever handed to the SDK.
import Anthropic, { type ClientOptions } from '@anthropic-ai/sdk';
import type { Logger } from '../shared/log.js';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;

export interface AnthropicClientSettings {
  apiKey: string;
  /** ANTHROPIC_BASE_URL, when set (tests point it at the stand-in server). */
  baseURL?: string | undefined;
  /** Retries the SDK makes on 408/409/429/5xx/529 and connection errors before a stream starts. */
  maxRetries?: number | undefined;
  /** Per request; a streamed turn counts as one request. */
  timeoutMs?: number | undefined;
}

/** A retry the SDK is about to make (it waits `delayMs`, then sends the request again). */
export interface RetryNotice {
  /** 1 for the first retry. */
  attempt: number;
  reason: string;
  delayMs: number;
}

export interface AnthropicClientHooks {
  onRetry?: (notice: RetryNotice) => void;
  logger?: Logger;
}

export function createAnthropicClient(settings: AnthropicClientSettings, hooks: AnthropicClientHooks = {}): Anthropic {
  const maxRetries = settings.maxRetries ?? DEFAULT_MAX_RETRIES;
  const options: ClientOptions = {
    apiKey: settings.apiKey,
    // Explicit values everywhere the SDK would otherwise read the environment itself.
    baseURL: settings.baseURL ?? ANTHROPIC_DEFAULT_BASE_URL,
    webhookKey: null,
    logLevel: 'warn',
    maxRetries,
    timeout: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    fetch: observeRetries(globalThis.fetch, maxRetries, hooks.onRetry),
  };
  if (hooks.logger) options.logger = toSdkLogger(hooks.logger);
  return new Anthropic(options);
}

/**
 * The SDK retries silently; this wrapper sees each attempt (the SDK numbers them in
 * X-Stainless-Retry-Count) and announces the retries it is about to make, so a person watching
 * a generation sees "rate limited, retrying in 2 s" rather than a pause.
 */
function observeRetries(fetchImpl: typeof globalThis.fetch, maxRetries: number, onRetry: AnthropicClientHooks['onRetry']): NonNullable<ClientOptions['fetch']> {
  if (!onRetry) return fetchImpl;
  return async (input, init) => {
    const retryCount = Number(new Headers(init?.headers).get('x-stainless-retry-count') ?? '0') || 0;
    const willRetry = retryCount < maxRetries;
    let response: Response;
    try {
      response = await fetchImpl(input, init);
    } catch (e) {
      if (willRetry && !init?.signal?.aborted)
        onRetry({ attempt: retryCount + 1, reason: 'could not connect to the Anthropic API', delayMs: defaultDelay(retryCount) });
      throw e;
    }
    if (!response.ok && willRetry && sdkRetries(response)) {
      onRetry({ attempt: retryCount + 1, reason: describeStatus(response.status), delayMs: delayFrom(response.headers, retryCount) });
    }
    return response;
  };
}

/** The SDK's own rule (client.ts shouldRetry), for an API key client. */
function sdkRetries(response: Response): boolean {
  const header = response.headers.get('x-should-retry');
  if (header === 'true') return true;
  if (header === 'false') return false;
  return response.status === 408 || response.status === 409 || response.status === 429 || response.status >= 500;
}

function describeStatus(status: number): string {
  if (status === 429) return 'rate limited by the Anthropic API';
  if (status === 529) return 'the Anthropic API is overloaded';
  if (status === 408) return 'the request timed out';
  return `the Anthropic API answered ${status}`;
}

/** The wait the SDK will choose: retry-after-ms, then retry-after, else its backoff (shown without jitter). */
function delayFrom(headers: Headers, retryCount: number): number {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (ms > 0) return ms;
  const raw = headers.get('retry-after');
  if (raw) {
    const seconds = Number.parseFloat(raw);
    const fromHeader = Number.isNaN(seconds) ? Date.parse(raw) - Date.now() : seconds * 1000;
    if (fromHeader > 0) return fromHeader;
  }
  return defaultDelay(retryCount);
}

function defaultDelay(retryCount: number): number {
  return Math.min(500 * 2 ** retryCount, 8000);
}

function toSdkLogger(log: Logger): NonNullable<ClientOptions['logger']> {
  const fields = (rest: unknown[]) => (rest.length > 0 ? { detail: rest.map((r) => (r instanceof Error ? r.message : String(r))) } : undefined);
  return {
    error: (msg: string, ...rest: unknown[]) => log.error(msg, fields(rest)),
    warn: (msg: string, ...rest: unknown[]) => log.warn(msg, fields(rest)),
    info: (msg: string, ...rest: unknown[]) => log.info(msg, fields(rest)),
    debug: (msg: string, ...rest: unknown[]) => log.debug(msg, fields(rest)),
  };
}
