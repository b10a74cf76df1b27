#!/usr/bin/env node
// The `slipway` command's entry point. `slipway hook …` runs twice on every push, so it loads only what a hook
// needs (config and an HTTP call); everything else loads the whole composition (src/compose.ts) on demand.
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
  // Whatever Slipway writes (database, keys, repos, logs) is its user's alone.
  process.umask(0o077);
  const [{ runCli }, { loadConfig }, { loadHookContext }, { openPipeline, startServer }] = await Promise.all([
    import('./cli/run-cli.js'),
    import('./config/load-config.js'),
    import('./config/load-hook-context.js'),
    import('./compose.js'),
  ]);
  await runCli(argv, { loadConfig: () => loadConfig(), loadHookContext: () => loadHookContext(), openPipeline, startServer });
}

if (isEntryPoint()) await main(process.argv.slice(2));
