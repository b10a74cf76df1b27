// One delivery attempt: a POST of the body to the hook's URL, connected to the address that was checked (the
// name is not resolved again; TLS still checks the certificate against the name), with a time limit on the whole
// exchange, no redirects followed, no connection reused, and only the first kilobyte of the answer read.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { redact } from '../shared/redact.js';
import type { WebhookTarget } from './webhook-target.js';

export interface WebhookAnswer {
  status: number;
  /** The answer's first bytes as text (control characters removed, secrets redacted), at most EXCERPT_BYTES. */
  excerpt: string;
  retryAfter: string | undefined;
  location: string | undefined;
}

export const EXCERPT_BYTES = 1024;

export async function sendWebhook(
  href: string,
  target: WebhookTarget,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<WebhookAnswer> {
  const url = new URL(href);
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<WebhookAnswer>((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: pinned,
      agent: false,
      signal,
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    const done = () => clearTimeout(timer);
    req.on('error', (e) => {
      done();
      reject(e);
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        done();
        const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          excerpt: redact(withoutControlCharacters(text)),
          retryAfter: header(res, 'retry-after'),
          location: header(res, 'location'),
        });
        res.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= EXCERPT_BYTES) finish();
      });
      res.on('end', finish);
      res.on('error', finish);
    });
    req.end(body);
  });
}

function header(res: IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Tabs and newlines stay; other control characters (a binary answer) are dropped. */
function withoutControlCharacters(text: string): string {
  return [...text].filter((c) => c === '\t' || c === '\n' || c === '\r' || (c >= ' ' && c !== '\u007f')).join('');
}
