// `slipway login URL`, `logout` and `whoami`: the saved login (checked against the server before it is saved).
import type { Command } from 'commander';
import { parseServerUrl } from '../../config/load-cli-settings.js';
import { isSlipwayError } from '../../shared/errors.js';
import { createApiClient } from './api-client.js';
import { CliError } from './cli-error.js';
import { examples, type RemoteContext } from './remote-context.js';
import { readSavedLogin, removeLogin, saveLogin } from './saved-login.js';
import { note, print, printJson, readHidden, readStdin } from './terminal.js';

interface Whoami {
  name: string;
  role: string;
  publicUrl: string;
}

export function registerLoginCommands(program: Command, ctx: RemoteContext): void {
  program
    .command('login <url>')
    .description('log in to a Slipway server: asks for a token (made with `slipway token create` or shown at first start) and saves it')
    .option('--token-stdin', 'read the token from stdin (for CI), instead of asking on the terminal')
    .addHelpText(
      'after',
      examples('slipway login https://slipway.example.com', 'echo "$SLIPWAY_TOKEN" | slipway login https://slipway.example.com --token-stdin') +
        '\nThe token is saved in $XDG_CONFIG_HOME/slipway/config.json (~/.config/slipway/config.json), readable by you alone.\n',
    )
    .action(async (raw: string, opts: { tokenStdin?: boolean }) => {
      let url: string;
      try {
        url = parseServerUrl(raw);
      } catch (e) {
        throw new CliError('USAGE', isSlipwayError(e) ? e.message : String(e));
      }
      const token = (opts.tokenStdin ? await readStdin() : await readHidden(`Token for ${url}: `)).trim();
      if (!token) throw new CliError('USAGE', 'no token given: nothing was saved');
      let me: Whoami;
      try {
        me = await createApiClient({ url, token }).get<Whoami>('/api/whoami');
      } catch (e) {
        if (e instanceof CliError && e.code === 'UNAUTHORIZED') throw new CliError('UNAUTHORIZED', `${url} refused this token: nothing was saved`);
        if (e instanceof CliError && e.code === 'NOT_FOUND')
          throw new CliError('FAILED', `${url} does not answer like a Slipway server (no /api/whoami): nothing was saved`);
        throw e;
      }
      const file = ctx.settings().configFile;
      saveLogin(file, { url, token, name: me.name });
      print(`logged in to ${url} as ${me.name} (saved in ${file})`);
      if (ctx.settings().url && ctx.settings().url !== url) note(`note: SLIPWAY_URL is set to ${ctx.settings().url}; it wins over this login while it is set`);
      if (ctx.settings().token) note('note: SLIPWAY_TOKEN is set; it wins over the saved token while it is set');
    });

  program
    .command('logout')
    .description('forget the saved login (the token itself stays valid on the server until it is deleted there)')
    .action(() => {
      const file = ctx.settings().configFile;
      const saved = readSavedLogin(file);
      print(removeLogin(file) ? `logged out of ${saved?.url ?? 'the server'} (removed ${file})` : 'not logged in: nothing to do');
    });

  program
    .command('whoami')
    .description('who the token is, on which server')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('slipway whoami', 'SLIPWAY_URL=https://other.example.com SLIPWAY_TOKEN=… slipway whoami --json'))
    .action(async (opts: { json?: boolean }) => {
      const remote = ctx.remote();
      const me = await ctx.client().get<Whoami>('/api/whoami');
      if (opts.json) return printJson({ url: remote.url, source: remote.source, name: me.name, role: me.role });
      print(`${me.name} (${me.role}) on ${remote.url}${remote.source === 'SLIPWAY_URL' ? ' (from SLIPWAY_URL)' : ''}`);
    });
}
