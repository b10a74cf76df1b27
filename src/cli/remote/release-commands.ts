// `slipway publish`, `rollback` and `releases`: the plan first (what production would run, the commits and files
// that change), a question (or --yes), then exactly that plan applied and followed until production is live.
import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { pickEnvironment, readEnvironments } from './app-commands.js';
import { appPath, examples, short, type RemoteContext } from './remote-context.js';
import { confirm, note, print, printJson, startProgress } from './terminal.js';

interface PlanCommit {
  sha: string;
  subject: string;
}
interface Plan {
  action: 'publish' | 'rollback';
  environment: string;
  from: { commit: string; tag: string | null } | null;
  to: { commit: string; tag: string | null };
  tag: string | null;
  headline: string;
  commitsIn: PlanCommit[];
  commitsInTotal: number;
  commitsOut: PlanCommit[];
  commitsOutTotal: number;
  totals: { files: number; additions: number; deletions: number; binary: number };
  blockers: string[];
  rebuild: string | null;
}
interface ReleaseAnswer {
  tag: string | null;
  commit: string;
  deployment: { id: string; status: string; reason: string | null; environment: string };
}
interface ReleaseRow {
  tag: string;
  commit: string;
  subject: string | null;
  authoredAt: string | null;
  current: boolean;
  build: string;
  imageRemoved: boolean;
}

const LIST_MAX = 10;

function showPlan(plan: Plan): void {
  print(plan.headline);
  const name = (c: { commit: string; tag: string | null } | null) => (c ? `${short(c.commit)}${c.tag ? ` (${c.tag})` : ''}` : 'nothing');
  print(`  ${plan.environment}: ${name(plan.from)} → ${short(plan.to.commit)}${plan.tag ? ` (${plan.tag})` : ''}`);
  const list = (title: string, commits: PlanCommit[], total: number) => {
    if (total === 0) return;
    print(`  ${title} (${total}):`);
    for (const c of commits.slice(0, LIST_MAX)) print(`    ${short(c.sha)} ${c.subject}`);
    if (total > Math.min(commits.length, LIST_MAX)) print(`    … and ${total - Math.min(commits.length, LIST_MAX)} more`);
  };
  list('goes live', plan.commitsIn, plan.commitsInTotal);
  list('stops being live', plan.commitsOut, plan.commitsOutTotal);
  const t = plan.totals;
  if (t.files > 0) print(`  ${t.files} file(s) change: +${t.additions} −${t.deletions}${t.binary ? `, ${t.binary} binary` : ''}`);
  if (plan.rebuild) print(`  ${plan.rebuild}`);
}

async function releaseFlow(
  ctx: RemoteContext,
  app: string,
  action: 'publish' | 'rollback',
  to: string | undefined,
  opts: { yes?: boolean; json?: boolean },
): Promise<void> {
  const client = ctx.client();
  const query = new URLSearchParams({ action, ...(to ? { to } : {}) });
  const { plan } = await client.get<{ plan: Plan }>(appPath(app, `/release-plan?${query}`));
  if (!opts.json) showPlan(plan);
  if (plan.blockers.length > 0) throw new CliError('FAILED', `cannot ${action}: ${plan.blockers.join('; ')}`);
  if (
    !opts.yes &&
    !(await confirm(
      `${action === 'publish' ? 'Publish' : 'Roll back'} ${app} to ${short(plan.to.commit)}${plan.tag ? ` (${plan.tag})` : ''}?`,
      `slipway ${action}`,
    ))
  ) {
    note('nothing changed');
    process.exitCode = 1;
    return;
  }
  const progress = opts.json ? null : startProgress(`${action === 'publish' ? 'publishing' : 'rolling back'} ${app} to ${short(plan.to.commit)}`);
  // The commit the plan showed, not "whatever preview runs by now": what was confirmed is what goes live.
  const body = action === 'publish' ? { commit: plan.to.commit } : { to: plan.to.tag ?? plan.to.commit };
  let result: ReleaseAnswer;
  try {
    result = await client.post<ReleaseAnswer>(appPath(app, `/${action}`), body);
  } finally {
    progress?.stop();
  }
  const d = result.deployment;
  if (opts.json) printJson(result);
  if (d.status === 'live') {
    if (opts.json) return;
    const env = pickEnvironment(await readEnvironments(ctx, app), d.environment);
    print(`${env.title} is live on ${short(result.commit)}${result.tag ? ` (${result.tag})` : ''}: ${env.url}`);
  } else if (d.status === 'failed') {
    if (!opts.json) note(`${action} of ${short(result.commit)} FAILED: ${(d.reason ?? '').split('\n')[0]} (slipway logs ${app} --deployment ${d.id})`);
    process.exitCode = 1;
  } else if (!opts.json) print(`${d.environment}: ${short(result.commit)} is ${d.status}; follow it with slipway logs ${app} --deployment ${d.id} -f`);
}

export function registerReleaseCommands(program: Command, ctx: RemoteContext): void {
  program
    .command('publish <app>')
    .description('publish to production what preview runs (or --commit): shows what changes and asks first')
    .option('-c, --commit <commit>', 'a commit (or release, or branch) to publish instead of what preview runs')
    .option('-y, --yes', 'do not ask (needed without a terminal)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('slipway publish blog', 'slipway publish blog --commit 3f2a9c1 --yes'))
    .action((app: string, opts: { commit?: string; yes?: boolean; json?: boolean }) => releaseFlow(ctx, app, 'publish', opts.commit, opts));

  program
    .command('rollback <app>')
    .description('move production back to the release before the one it runs (or --to): shows what changes and asks first')
    .option('-t, --to <release>', 'the release (v3) or commit to go to')
    .option('-y, --yes', 'do not ask (needed without a terminal)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples('slipway rollback blog', 'slipway rollback blog --to v2 --yes'))
    .action((app: string, opts: { to?: string; yes?: boolean; json?: boolean }) => releaseFlow(ctx, app, 'rollback', opts.to, opts));

  program
    .command('releases <app>')
    .description("an app's releases, newest first, and which one production runs")
    .option('--json', 'print JSON')
    .addHelpText('after', examples('slipway releases blog', 'slipway releases blog --json'))
    .action(async (app: string, opts: { json?: boolean }) => {
      const { releases } = await ctx.client().get<{ releases: ReleaseRow[] }>(appPath(app, '/releases'));
      if (opts.json) return printJson(releases);
      if (releases.length === 0) return print(`${app} has no releases yet: slipway publish ${app}`);
      for (const r of releases) {
        const marks = [r.current ? 'production runs it' : '', r.build === 'failed' ? 'build failed' : '', r.imageRemoved ? 'image removed' : ''].filter(
          Boolean,
        );
        print(`${r.tag.padEnd(6)} ${short(r.commit)} ${(r.authoredAt ?? '').slice(0, 10)} ${r.subject ?? ''}${marks.length ? `  [${marks.join(', ')}]` : ''}`);
      }
    });
}
