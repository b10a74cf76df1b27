// `slipway git-remote APP`: adds (or points) a git remote at the app's repo on the logged-in server, with
// `slipway credential` as the credential helper for that server, so `git push` works and .git/config holds no token.
import { realpathSync } from 'node:fs';
import type { Command } from 'commander';
import { exec } from '../../shared/exec.js';
import { CliError } from './cli-error.js';
import { runCredentialHelper } from './credential-helper.js';
import { appPath, examples, type RemoteContext } from './remote-context.js';
import { print } from './terminal.js';

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The shell command git runs as the helper: this Node and this `slipway` script, by absolute path. */
function helperCommand(): string {
  const script = process.argv[1] ? realpathSync(process.argv[1]) : 'slipway';
  return `!${quote(process.execPath)} ${quote(script)} credential`;
}

export function registerGitRemoteCommands(program: Command, ctx: RemoteContext): void {
  program
    .command('git-remote <app>')
    .description("add a git remote for the app's repo on the server (run it in a clone); git gets the token from `slipway credential`")
    .option('-r, --remote <name>', 'the remote to add or point at the app', 'slipway')
    .addHelpText(
      'after',
      examples('cd my-blog && slipway git-remote blog && git push slipway main', 'slipway git-remote blog --remote origin') +
        '\n.git/config gets the remote and a credential helper for the server; the token stays in your login only.\n',
    )
    .action(async (app: string, opts: { remote: string }) => {
      const remote = ctx.remote();
      await ctx.client().get(appPath(app)); // 404 (exit 4) for an app that does not exist, before git is touched
      const inRepo = await exec('git', ['rev-parse', '--git-dir'], { okCodes: [0, 128] });
      if (inRepo.code !== 0) throw new CliError('USAGE', 'not in a git repository: run slipway git-remote in a clone (or after git init)');
      const url = `${remote.url}/git/${encodeURIComponent(app)}.git`;
      const existing = await exec('git', ['remote', 'get-url', opts.remote], { okCodes: [0, 2] });
      if (existing.code === 0) await exec('git', ['remote', 'set-url', opts.remote, url]);
      else await exec('git', ['remote', 'add', opts.remote, url]);
      const key = `credential.${remote.url}.helper`;
      await exec('git', ['config', '--local', '--unset-all', key], { okCodes: [0, 5] });
      // The empty helper first resets the list: a global `credential.helper store` would otherwise save the token
      // in ~/.git-credentials after the first push.
      await exec('git', ['config', '--local', '--add', key, '']);
      await exec('git', ['config', '--local', '--add', key, helperCommand()]);
      print(`${existing.code === 0 ? 'pointed' : 'added'} remote ${opts.remote} at ${url}`);
      print(`  push: git push ${opts.remote} main   (git gets the token from slipway credential; it is not in .git/config)`);
    });

  program
    .command('credential <operation>')
    .description('internal: the git credential helper that `slipway git-remote` sets up (get, store, erase)')
    .action(async (operation: string) => {
      process.exitCode = await runCredentialHelper(operation, ctx.settings());
    });
}
