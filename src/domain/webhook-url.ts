// The URL of a webhook, checked at the edge before anything resolves it: http or https only, a host, no user name
// or password in it (it would be shown in the UI and sent as credentials), bounded in length. Where the host
// resolves is checked separately, at creation and again at every delivery (src/pipeline/webhook-target.ts).
import { InvalidInputError } from '../shared/errors.js';

const MAX_URL = 2048;

export interface WebhookUrl {
  /** The normalised URL (WHATWG), without a fragment: what is stored and requested. */
  href: string;
  /** The host name or address, without IPv6 brackets, lower case. */
  hostname: string;
}

export function parseWebhookUrl(input: unknown): WebhookUrl {
  if (typeof input !== 'string' || input.trim() === '') throw new InvalidInputError('url: expected the http(s) URL that receives the events');
  const raw = input.trim();
  if (raw.length > MAX_URL) throw new InvalidInputError(`url: at most ${MAX_URL} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidInputError(`url: "${raw.slice(0, 100)}" is not a URL (expected https://host/path)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidInputError(`url: only http and https URLs are allowed, not ${url.protocol.slice(0, -1)}`);
  if (url.username || url.password)
    throw new InvalidInputError('url: a user name or password in the URL is not allowed (the hook is signed with its secret instead)');
  if (!url.hostname) throw new InvalidInputError('url: the URL has no host');
  url.hash = '';
  return { href: url.href, hostname: url.hostname.replace(/^\[|\]$/g, '').toLowerCase() };
}

/** What logs may show of a hook's URL: scheme, host and port (paths often carry a token, as Slack's do). */
export function webhookOrigin(href: string): string {
  try {
    return new URL(href).origin;
  } catch {
    return '(invalid URL)';
  }
}
