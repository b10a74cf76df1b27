// Where a command that talks to a running Slipway server finds it: SLIPWAY_URL (its public URL) and
// SLIPWAY_TOKEN (an API token). Read once, checked, frozen; the token is never printed.
import { ConfigError } from '../shared/errors.js';

export interface RemoteContext {
  /** The server's base URL, without a trailing slash. */
  readonly url: string;
  readonly token: string;
}

export function loadRemoteContext(env: Readonly<Record<string, string | undefined>> = process.env): RemoteContext {
  const raw = env.SLIPWAY_URL?.trim();
  const token = env.SLIPWAY_TOKEN?.trim();
  if (!raw) throw new ConfigError('set SLIPWAY_URL to the Slipway server to talk to (e.g. https://slipway.example.com)');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`SLIPWAY_URL is not a URL: "${raw.slice(0, 100)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('SLIPWAY_URL must start with http:// or https://');
  if (url.username || url.password) throw new ConfigError('SLIPWAY_URL must not carry a user or password: put the token in SLIPWAY_TOKEN');
  if (!token) throw new ConfigError('set SLIPWAY_TOKEN to an API token of that server (slipway token create, or the admin token)');
  return Object.freeze({ url: url.href.replace(/\/+$/, ''), token });
}
