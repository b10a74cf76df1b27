// The commands that drive a Slipway server from anywhere (login, apps, status, logs, describe, publish, rollback,
// releases, secrets, open, git-remote), registered on the `slipway` program in one call. `apps list` and
// `apps create` (local admin commands) use `remoteApps` to talk to the server when one is configured.
import type { Command } from 'commander';
import type { CliSettings } from '../../config/load-cli-settings.js';
import { createAppRemote, listAppsRemote, registerAppCommands } from './app-commands.js';
import { EXIT } from './cli-error.js';
import { registerDescribeCommand } from './describe-command.js';
import { registerGitRemoteCommands } from './git-remote-command.js';
import { registerLoginCommands } from './login-commands.js';
import { registerLogsCommand } from './logs-command.js';
import { registerReleaseCommands } from './release-commands.js';
import { createRemoteContext } from './remote-context.js';
import { hasRemote } from './resolve-remote.js';
import { registerSecretsCommand } from './secrets-command.js';

export interface RemoteApps {
  /** Whether `apps list|create` go to the server: one is configured (login or SLIPWAY_URL) and --local was not given. */
  useRemote(opts: { local?: boolean }): boolean;
  list(opts: { json?: boolean }): Promise<void>;
  create(name: string, opts: { template: string; description?: string }): Promise<void>;
}

export function registerRemoteCommands(program: Command, loadSettings: () => CliSettings): RemoteApps {
  const ctx = createRemoteContext(loadSettings);
  registerLoginCommands(program, ctx);
  registerAppCommands(program, ctx);
  registerLogsCommand(program, ctx);
  registerDescribeCommand(program, ctx);
  registerReleaseCommands(program, ctx);
  registerSecretsCommand(program, ctx);
  registerGitRemoteCommands(program, ctx);
  program.addHelpText(
    'after',
    `
Against a server (after slipway login URL, or with SLIPWAY_URL and SLIPWAY_TOKEN):
  $ slipway login https://slipway.example.com
  $ slipway apps:create blog --template static-site
  $ slipway describe blog "Add an about page"
  $ slipway publish blog
` +
      `
Exit codes: ${EXIT.ok} ok, ${EXIT.failed} failed, ${EXIT.usage} usage, ${EXIT.auth} not logged in or token refused, ${EXIT.notFound} not found, ${EXIT.unreachable} server unreachable.
`,
  );
  return {
    useRemote: (opts) => opts.local !== true && hasRemote(ctx.settings()),
    list: (opts) => listAppsRemote(ctx, opts),
    create: (name, opts) => createAppRemote(ctx, name, opts),
  };
}
