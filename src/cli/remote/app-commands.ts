// Apps on the server: list, create (`apps:create`, and `apps list|create` when a server is configured), `status`
// and `open`.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { appPath, examples, short, type RemoteContext } from './remote-context.js';
import { print, printJson } from './terminal.js';
import type { EnvironmentView } from '../../domain/app-view.js';

interface AppView {
  name: string;
  template: string;
  description: string;
  cloneUrl: string;
  previewUrl?: string;
  productionUrl?: string;
  commit?: string;
}

/** What `GET /api/apps/APP/environments` answers: the server's own view of each environment. */
export type EnvironmentAnswer = EnvironmentView;

export async function listAppsRemote(ctx: RemoteContext, opts: { json?: boolean }): Promise<void> {
  const { apps } = await ctx.client().get<{ apps: AppView[] }>('/api/apps');
  if (opts.json) return printJson(apps);
  if (apps.length === 0) return print('no apps yet: slipway apps:create NAME --template static-site');
  for (const a of apps) print(`${a.name.padEnd(24)} ${a.template.padEnd(14)} ${a.cloneUrl}`);
}

export async function createAppRemote(ctx: RemoteContext, name: string, opts: { template: string; description?: string; json?: boolean }): Promise<void> {
  const { app } = await ctx.client().post<{ app: AppView }>('/api/apps', { name, template: opts.template, description: opts.description });
  if (opts.json) return printJson(app);
  print(`created ${app.name} (${app.template}) on ${ctx.remote().url}, first commit ${short(app.commit)}`);
  print(`  preview: slipway open ${app.name}`);
  print(`  code:    git clone ${app.cloneUrl}  (or, in a clone: slipway git-remote ${app.name})`);
}

export async function readEnvironments(ctx: RemoteContext, app: string): Promise<EnvironmentAnswer[]> {
  return (await ctx.client().get<{ environments: EnvironmentAnswer[] }>(appPath(app, '/environments'))).environments;
}

export function pickEnvironment(envs: EnvironmentAnswer[], name: string): EnvironmentAnswer {
  const wanted = name === 'production' ? 'prod' : name;
  const env = envs.find((e) => e.name === wanted || e.title === name);
  if (!env) throw new CliError('USAGE', `no environment named ${name} (there are ${envs.map((e) => e.name).join(', ')})`);
  return env;
}

export function registerAppCommands(program: Command, ctx: RemoteContext): void {
  program
    .command('apps:create <name>')
    .description('create an app on the server from a template')
    .requiredOption('-t, --template <template>', 'simple-api, static-site, webhook or scheduled-job')
    .option('-d, --description <text>', 'what the app is for')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('slipway apps:create blog --template static-site', 'slipway apps:create hooks -t webhook -d "GitHub webhooks"'))
    .action((name: string, opts: { template: string; description?: string; json?: boolean }) => createAppRemote(ctx, name, opts));

  program
    .command('status <app>')
    .description("an app's environments: what each runs (commit, release), its status and URL")
    .option('--json', 'print JSON')
    .addHelpText('after', examples('slipway status blog', 'slipway status blog --json | jq -r ".environments[] | .url"'))
    .action(async (app: string, opts: { json?: boolean }) => {
      const client = ctx.client();
      const [{ app: view }, environments] = await Promise.all([client.get<{ app: AppView }>(appPath(app)), readEnvironments(ctx, app)]);
      if (opts.json) return printJson({ app: view, environments });
      print(`${view.name} (${view.template})${view.description ? `: ${view.description}` : ''}`);
      print(`  git: ${view.cloneUrl}`);
      for (const e of environments) {
        const runs = e.appliedCommit ? `runs ${short(e.appliedCommit)}${e.release ? ` (${e.release})` : ''}` : 'runs nothing';
        const asked = e.commit && e.commit !== e.appliedCommit ? `, ${e.ref.replace('refs/heads/', '')} is at ${short(e.commit)}` : '';
        print(`${e.title.padEnd(12)} ${e.status.padEnd(13)} ${runs}${asked}`);
        print(`${''.padEnd(12)} ${e.schedule ? `scheduled job: ${e.schedule} (UTC)` : e.url}`);
        if (e.status === 'failed' && e.lastDeployment?.reason)
          print(`${''.padEnd(12)} failed ${short(e.lastDeployment.commit)}: ${e.lastDeployment.reason.split('\n')[0]} (slipway logs ${app} --env ${e.name})`);
        if (e.health?.problem) print(`${''.padEnd(12)} health: ${e.health.problem}`);
      }
    });

  program
    .command('open <app>')
    .description("print an environment's URL, and open it in a browser when attached to a terminal")
    .option('-e, --env <environment>', 'preview or prod', 'preview')
    .addHelpText('after', examples('slipway open blog', 'slipway open blog --env prod'))
    .action(async (app: string, opts: { env: string }) => {
      const env = pickEnvironment(await readEnvironments(ctx, app), opts.env);
      print(env.url);
      if (!process.stdout.isTTY) return;
      // Best effort: without a desktop (or xdg-open) the printed URL is the answer.
      const child = spawn('xdg-open', [env.url], { stdio: 'ignore', detached: true });
      child.on('error', () => undefined);
      child.unref();
    });
}
