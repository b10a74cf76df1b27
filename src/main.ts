#!/usr/bin/env node
// The `slipway` command's entry point. `slipway hook …` runs twice on every push, so it loads only what a hook
// needs (config and an HTTP call), `slipway credential` (git's credential helper) only the login; the commands that
// use the data folder load the whole composition (src/compose.ts) when they run.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function isEntryPoint(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'hook') {
    const [{ runHook }, { loadHookContext }] = await Promise.all([import('./cli/run-hook.js'), import('./config/load-hook-context.js')]);
    process.exitCode = await runHook(argv[1] ?? '', () => loadHookContext());
    return;
  }
  // git runs the credential helper on every fetch and push: it loads only the login.
  if (argv[0] === 'credential' && argv[1] && !argv[1].startsWith('-')) {
    const [{ runCredentialHelper }, { loadCliSettings }] = await Promise.all([
      import('./cli/remote/credential-helper.js'),
      import('./config/load-cli-settings.js'),
    ]);
    process.exitCode = await runCredentialHelper(argv[1], loadCliSettings());
    return;
  }
  // Whatever Slipway writes (database, keys, repos, logs, the saved login) is its user's alone.
  process.umask(0o077);
  const [{ runCli }, { loadConfig }, { loadHookContext }, { loadCliSettings }] = await Promise.all([
    import('./cli/run-cli.js'),
    import('./config/load-config.js'),
    import('./config/load-hook-context.js'),
    import('./config/load-cli-settings.js'),
  ]);
  // The server's whole composition loads only for the commands that use the data folder: the remote ones start fast.
  const compose = () => import('./compose.js');
  await runCli(argv, {
    loadConfig: () => loadConfig(),
    loadHookContext: () => loadHookContext(),
    loadCliSettings: () => loadCliSettings(),
    openPipeline: async (config) => (await compose()).openPipeline(config),
    startServer: async (config) => (await compose()).startServer(config),
  });
}

if (isEntryPoint()) await main(process.argv.slice(2));
