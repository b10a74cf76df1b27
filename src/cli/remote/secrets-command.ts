// `slipway secrets APP [set K=V…|unset K…]`: secret names per environment (values are write-only: never shown),
// set from the command line or, with `set K -`, from stdin so the value stays out of shell history and `ps`.
import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { pickEnvironment, readEnvironments } from './app-commands.js';
import { appPath, examples, type RemoteContext } from './remote-context.js';
import { print, printJson, readStdin } from './terminal.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `K=V` pairs, or one `K -` (the value read from stdin). */
export function parseAssignments(items: string[]): { key: string; value: string | null }[] {
  if (items.length === 2 && items[1] === '-' && KEY.test(items[0]!)) return [{ key: items[0]!, value: null }];
  if (items.length === 0) throw new CliError('USAGE', 'set what? slipway secrets APP set KEY=VALUE… (or KEY - to read the value from stdin)');
  return items.map((item) => {
    const i = item.indexOf('=');
    const key = i === -1 ? item : item.slice(0, i);
    if (!KEY.test(key)) throw new CliError('USAGE', `"${key}" is not a secret name: letters, digits and _, not starting with a digit`);
    if (i === -1) throw new CliError('USAGE', `${key} has no value: ${key}=VALUE, or ${key} - to read it from stdin`);
    return { key, value: item.slice(i + 1) };
  });
}

export function registerSecretsCommand(program: Command, ctx: RemoteContext): void {
  program
    .command('secrets <app> [action] [items...]')
    .description("list an app's secret names, or set / unset secrets (every environment, or --env); a change restarts what runs")
    .option('-e, --env <environment>', 'only this environment (preview or prod)')
    .option('--json', 'print JSON (listing)')
    .addHelpText(
      'after',
      examples(
        'slipway secrets shop',
        'slipway secrets shop set GREETING=hello --env preview',
        'printf %s "$STRIPE_KEY" | slipway secrets shop set STRIPE_KEY -',
        'slipway secrets shop unset GREETING',
      ) + '\nValues are never printed. `set KEY -` reads the value from stdin, so it stays out of your shell history.\n',
    )
    .action(async (app: string, action: string | undefined, items: string[], opts: { env?: string; json?: boolean }) => {
      const client = ctx.client();
      const all = await readEnvironments(ctx, app);
      const envs = opts.env ? [pickEnvironment(all, opts.env)] : all;
      const secretPath = (env: string, key = '') => appPath(app, `/secrets/${encodeURIComponent(env)}${key ? `/${encodeURIComponent(key)}` : ''}`);
      if (action === undefined || action === 'list') {
        const listed = await Promise.all(
          envs.map(async (e) => ({ environment: e.name, ...(await client.get<{ names: string[]; missing: string[] }>(secretPath(e.name))) })),
        );
        if (opts.json) return printJson(listed);
        for (const l of listed) {
          print(`${l.environment}: ${l.names.length ? l.names.join(', ') : 'no secrets'}`);
          if (l.missing.length) print(`  to set again (lost with the database): ${l.missing.join(', ')}`);
        }
        return;
      }
      if (action === 'set') {
        const assignments = parseAssignments(items);
        for (const a of assignments) {
          const value = a.value ?? (await readStdin());
          for (const e of envs) await client.put(secretPath(e.name, a.key), { value });
        }
        return print(`set ${assignments.map((a) => a.key).join(', ')} on ${envs.map((e) => e.name).join(', ')} (running environments restart with it)`);
      }
      if (action === 'unset') {
        if (items.length === 0) throw new CliError('USAGE', 'unset what? slipway secrets APP unset KEY…');
        for (const key of items) {
          const from: string[] = [];
          for (const e of envs) {
            try {
              await client.delete(secretPath(e.name, key));
              from.push(e.name);
            } catch (err) {
              // Unset everywhere: an environment without it is fine, as long as one had it.
              if (!(err instanceof CliError && err.code === 'NOT_FOUND' && envs.length > 1)) throw err;
            }
          }
          if (from.length === 0) throw new CliError('NOT_FOUND', `${app} has no secret ${key}`);
          print(`removed ${key} from ${from.join(', ')}`);
        }
        return;
      }
      throw new CliError('USAGE', `unknown action "${action}": list, set or unset`);
    });
}
