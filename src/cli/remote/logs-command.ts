// `slipway logs APP`: the build and deployment logs of an environment's latest deployment (or of one build or
// deployment), whole, or followed live (-f) over the server's event streams until they end.
import type { Command } from 'commander';
import type { ApiClient } from './api-client.js';
import { CliError } from './cli-error.js';
import { pickEnvironment, readEnvironments } from './app-commands.js';
import { appPath, examples, short, type RemoteContext } from './remote-context.js';
import { note, print } from './terminal.js';

interface BuildAnswer {
  id: string;
  app: string;
  commit: string;
  status: string;
  logUrl: string;
}
interface DeploymentAnswer {
  id: string;
  app: string;
  environment: string;
  commit: string;
  buildId: string | null;
  status: string;
  reason: string | null;
  logUrl: string;
}

interface LogOptions {
  env: string;
  build?: string;
  deployment?: string;
  follow?: boolean;
  json?: boolean;
}

const RUNNING_DEPLOYMENT = ['queued', 'building', 'deploying'];

export function registerLogsCommand(program: Command, ctx: RemoteContext): void {
  program
    .command('logs <app>')
    .description("an environment's latest build and deployment logs (or one build's or deployment's); -f follows them live")
    .option('-e, --env <environment>', 'preview or prod', 'preview')
    .option('-b, --build <id>', 'the log of this build (the push output names it)')
    .option('-d, --deployment <id>', 'the log of this deployment')
    .option('-f, --follow', 'keep printing new lines until the build and deployment end')
    .option('--json', 'one JSON object a line: {"log":"build"|"deployment","id":…,"line":…}')
    .addHelpText(
      'after',
      examples('slipway logs blog', 'slipway logs blog --env prod -f', 'slipway logs blog --build b_Xy12…', 'slipway logs blog --json | jq -r .line'),
    )
    .action(async (app: string, opts: LogOptions) => {
      const client = ctx.client();
      const show = (log: 'build' | 'deployment', id: string) => (line: string) => (opts.json ? print(JSON.stringify({ log, id, line })) : print(line));
      const printLog = async (log: 'build' | 'deployment', id: string, url: string) => {
        if (opts.follow) {
          for await (const e of client.stream(url)) {
            if (e.event === 'line') show(log, id)((e.data as { line: string }).line);
            if (e.event === 'end') break;
          }
        } else {
          const text = await client.text(url);
          for (const line of text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined)) show(log, id)(line);
        }
      };

      if (opts.build) {
        const { build } = await client.get<{ build: BuildAnswer }>(`/api/builds/${encodeURIComponent(opts.build)}`);
        if (build.app !== app) throw new CliError('NOT_FOUND', `${app} has no build ${opts.build}`);
        if (!opts.json) note(`build ${build.id} of ${short(build.commit)} (${build.status})`);
        return printLog('build', build.id, build.logUrl);
      }
      let deployment: DeploymentAnswer | undefined;
      const deployments = () => client.get<{ deployments: DeploymentAnswer[] }>(appPath(app, '/deployments')).then((r) => r.deployments);
      if (opts.deployment) {
        deployment = (await deployments()).find((d) => d.id === opts.deployment);
        if (!deployment) throw new CliError('NOT_FOUND', `${app} has no deployment ${opts.deployment}`);
      } else {
        const env = pickEnvironment(await readEnvironments(ctx, app), opts.env);
        const id = env.lastDeployment?.id;
        if (!id) throw new CliError('NOT_FOUND', `${env.title} of ${app} has no deployment yet: push to ${env.ref.replace('refs/heads/', '')} first`);
        deployment = (await deployments()).find((d) => d.id === id);
        if (!deployment) throw new CliError('NOT_FOUND', `${app} has no deployment ${id}`);
      }
      const build = await buildOf(client, app, deployment, opts.follow === true);
      if (build) {
        if (!opts.json) note(`build ${build.id} of ${short(build.commit)} (${build.status})`);
        await printLog('build', build.id, build.logUrl);
      }
      if (!opts.json) note(`deployment ${deployment.id} of ${short(deployment.commit)} to ${deployment.environment} (${deployment.status})`);
      await printLog('deployment', deployment.id, deployment.logUrl);
      if (opts.follow) {
        const done = (await deployments()).find((d) => d.id === deployment.id);
        if (done && !opts.json) note(`deployment ${done.id}: ${done.status}${done.reason ? `: ${done.reason.split('\n')[0]}` : ''}`);
        if (done?.status === 'failed') process.exitCode = 1;
      }
    });
}

/**
 * The build a deployment uses. A deployment records its build once the build is done; while it builds, the build
 * is the latest of its commit (followed: asked again until one appears or the deployment ends).
 */
async function buildOf(client: ApiClient, app: string, d: DeploymentAnswer, follow: boolean): Promise<BuildAnswer | undefined> {
  for (;;) {
    const { builds } = await client.get<{ builds: BuildAnswer[] }>(appPath(app, '/builds'));
    const build = d.buildId ? builds.find((b) => b.id === d.buildId) : builds.find((b) => b.commit === d.commit);
    if (build || !follow || !RUNNING_DEPLOYMENT.includes(d.status)) return build;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { deployments } = await client.get<{ deployments: DeploymentAnswer[] }>(appPath(app, '/deployments'));
    d = deployments.find((x) => x.id === d.id) ?? d;
  }
}
