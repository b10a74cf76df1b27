// Which server and token a remote command uses: SLIPWAY_URL and SLIPWAY_TOKEN override the saved login, each on
// its own (a CI job may set only the token of the server someone logged in to).
import type { CliSettings } from '../../config/load-cli-settings.js';
import { CliError } from './cli-error.js';
import { readSavedLogin } from './saved-login.js';

export interface Remote {
  url: string;
  token: string;
  /** Where the URL came from, for `whoami`. */
  source: 'SLIPWAY_URL' | 'login';
}

/** Whether a server is configured at all (a login or SLIPWAY_URL): then `apps`, `apps list` and `apps create` talk to it. */
export function hasRemote(settings: CliSettings): boolean {
  return settings.url !== undefined || readSavedLogin(settings.configFile) !== null;
}

export function resolveRemote(settings: CliSettings): Remote {
  const saved = readSavedLogin(settings.configFile);
  const url = settings.url ?? saved?.url;
  if (!url) throw new CliError('NOT_LOGGED_IN', 'not logged in to a Slipway server: run slipway login URL (or set SLIPWAY_URL and SLIPWAY_TOKEN)');
  // The saved token belongs to the saved server: never sent to another one named by SLIPWAY_URL.
  const token = settings.token ?? (saved && saved.url === url ? saved.token : undefined);
  if (!token) throw new CliError('NOT_LOGGED_IN', `no token for ${url}: run slipway login ${url} (or set SLIPWAY_TOKEN)`);
  return { url, token, source: settings.url ? 'SLIPWAY_URL' : 'login' };
}
