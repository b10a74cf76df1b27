// The JSON API of a Slipway server, as the CLI calls it: bearer token, JSON in and out, the server's error answers
// turned into CliErrors (with their exit codes), and Server-Sent Event streams read event by event.
import { CliError, cliErrorCodeFor } from './cli-error.js';
import type { Remote } from './resolve-remote.js';

export interface StreamEvent {
  event: string;
  data: unknown;
  id: string | undefined;
}

export interface ApiClient {
  readonly url: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
  /** A plain-text answer (a whole log). */
  text(path: string): Promise<string>;
  /** The events of an SSE endpoint until the server ends the stream (or `signal` aborts). */
  stream(path: string, signal?: AbortSignal): AsyncIterable<StreamEvent>;
}

export function createApiClient(remote: Pick<Remote, 'url' | 'token'>): ApiClient {
  const call = async (method: string, path: string, body: unknown, accept: string, signal?: AbortSignal): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(`${remote.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${remote.token}`,
          accept,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError('UNREACHABLE', `cannot reach ${remote.url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, { cause: e });
    }
    if (res.ok) return res;
    throw await errorOf(res, remote.url);
  };
  const json = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await call(method, path, body, 'application/json');
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  };
  return {
    url: remote.url,
    get: (path) => json('GET', path),
    post: (path, body = {}) => json('POST', path, body),
    put: (path, body = {}) => json('PUT', path, body),
    delete: (path) => json('DELETE', path),
    text: async (path) => (await call('GET', path, undefined, 'text/plain')).text(),
    async *stream(path, signal) {
      const res = await call('GET', path, undefined, 'text/event-stream', signal);
      if (!res.body) return;
      yield* readEventStream(res.body);
    },
  };
}

async function errorOf(res: Response, url: string): Promise<CliError> {
  let code: string | undefined;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    /* not JSON: a proxy in front, or not a Slipway server; the status says enough */
  }
  if (res.status === 401)
    return new CliError('UNAUTHORIZED', `${url} refused the token (401): run slipway login ${url} with a valid token`, { serverCode: code ?? 'UNAUTHORIZED' });
  return new CliError(cliErrorCodeFor(res.status), message, code === undefined ? {} : { serverCode: code });
}

/** Parses `text/event-stream` (event, data, id; comments and `retry` ignored). */
export async function* readEventStream(body: AsyncIterable<Uint8Array>): AsyncIterable<StreamEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i === -1 ? line : line.slice(0, i);
        const value = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      if (data.length === 0) continue;
      const text = data.join('\n');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* plain text data */
      }
      yield { event, data: parsed, id };
    }
  }
}
