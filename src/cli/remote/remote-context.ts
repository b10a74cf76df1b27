// What every remote command receives: the settings (read once, when a command first needs them) and a client for
// the server they name.
import type { CliSettings } from '../../config/load-cli-settings.js';
import { createApiClient, type ApiClient } from './api-client.js';
import { resolveRemote, type Remote } from './resolve-remote.js';

export interface RemoteContext {
  settings(): CliSettings;
  remote(): Remote;
  client(): ApiClient;
}

export function createRemoteContext(loadSettings: () => CliSettings): RemoteContext {
  let settings: CliSettings | undefined;
  const self: RemoteContext = {
    settings: () => (settings ??= loadSettings()),
    remote: () => resolveRemote(self.settings()),
    client: () => createApiClient(self.remote()),
  };
  return self;
}

/** An app's API path, its name escaped (the server checks the name itself and answers 404 or 400). */
export const appPath = (app: string, rest = ''): string => `/api/apps/${encodeURIComponent(app)}${rest}`;

export const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 12) : '—');

/** The examples block of a command's help. */
export const examples = (...lines: string[]): string => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
