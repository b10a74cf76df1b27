// What the `slipway` command needs to reach a remote server: where the saved login lives, and the
// SLIPWAY_URL / SLIPWAY_TOKEN overrides. Read once, like every other setting (src/config/ is process.env's only reader).
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { ConfigError } from '../shared/errors.js';

export interface CliSettings {
  /** The saved login: $XDG_CONFIG_HOME/slipway/config.json, else ~/.config/slipway/config.json. */
  readonly configFile: string;
  /** SLIPWAY_URL: the server, instead of the saved one. */
  readonly url: string | undefined;
  /** SLIPWAY_TOKEN: the token, instead of the saved one. */
  readonly token: string | undefined;
}

/** A server URL as people type it (`https://slipway.example.com/`): http(s), no credentials, no trailing slash. */
export function parseServerUrl(raw: string, what = 'the server URL'): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(`${what} "${raw}" is not a URL: expected http(s)://HOST[:PORT]`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${what} "${raw}": expected an http or https URL`);
  if (url.username || url.password) throw new ConfigError(`${what} must not hold a user or password: the token is asked for separately`);
  if (url.search || url.hash) throw new ConfigError(`${what} "${raw}": expected no query or fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function loadCliSettings(env: Readonly<Record<string, string | undefined>> = process.env, home: string = homedir()): CliSettings {
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and is to be ignored.
  const configDir = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || home, '.config');
  const url = env.SLIPWAY_URL ? parseServerUrl(env.SLIPWAY_URL, 'SLIPWAY_URL') : undefined;
  const token = env.SLIPWAY_TOKEN?.trim() || undefined;
  return Object.freeze({ configFile: join(configDir, 'slipway', 'config.json'), url, token });
}
