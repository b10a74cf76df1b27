// The `slipway` command. The only place that writes to the terminal for people and sets the exit code.
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { Config } from '../config/load-config.js';
import type { CliSettings } from '../config/load-cli-settings.js';
import type { HookContext } from '../config/load-hook-context.js';
import { parseAppName } from '../domain/app-name.js';
import { toAppView } from '../domain/app-view.js';
import type { Pipeline } from '../pipeline/create-pipeline.js';
import type { CertificateState } from '../domain/certificate-state.js';
import { productionEnvironment } from '../domain/environments.js';
import { InvalidInputError, isSlipwayError, messageOf, NotFoundError } from '../shared/errors.js';
import { CLI_ACTOR } from '../domain/actor.js';
import { restoreBackup } from '../pipeline/restore-backup.js';
import { runHook } from './run-hook.js';
import { runMcpProxy } from './run-mcp-proxy.js';
import { CliError, EXIT } from './remote/cli-error.js';
import { registerRemoteCommands } from './remote/register-remote-commands.js';
import { resolveRemote } from './remote/resolve-remote.js';

export interface CliServices {
  loadConfig(): Config;
  loadHookContext(): HookContext;
  /** Where the saved login is, and SLIPWAY_URL / SLIPWAY_TOKEN (the remote commands). */
  loadCliSettings(): CliSettings;
  openPipeline(config: Config): Pipeline | Promise<Pipeline>;
  startServer(config: Config): Promise<{ url: string; firstAdminToken: string | null; close(): Promise<void> }>;
}

const print = (line = '') => process.stdout.write(`${line}\n`);

function describeCertificate(c: CertificateState): string {
  const parts: string[] = [c.state];
  if (c.notAfter) parts.push(`until ${c.notAfter.slice(0, 10)}`);
  if (c.error) parts.push(`(${c.error})`);
  if (c.nextAttemptAt) parts.push(`next attempt ${c.nextAttemptAt}`);
  return parts.join(' ');
}

export async function runCli(argv: string[], services: CliServices): Promise<void> {
  const program = new Command('slipway')
    .description('Slipway: describe → preview → publish. Git push an app, open its preview, publish with a tag.')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const withPipeline = async <T>(fn: (p: Pipeline) => Promise<T> | T): Promise<T> => {
    const pipeline = await services.openPipeline(services.loadConfig());
    try {
      return await fn(pipeline);
    } finally {
      await pipeline.close();
    }
  };

  program
    .command('serve')
    .description('run the server (UI, API, git over HTTP, pipeline)')
    .action(async () => {
      const config = services.loadConfig();
      const running = await services.startServer(config);
      print(`Slipway is serving on ${running.url} (public URL ${config.publicUrl}, runtime ${config.runtime})`);
      if (running.firstAdminToken) {
        print('');
        print('An admin token was created. It is shown this once; keep it somewhere safe:');
        print(`  ${running.firstAdminToken}`);
        print('');
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          print('stopping…');
          void running.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  const remote = registerRemoteCommands(program, () => services.loadCliSettings());

  const apps = program.command('apps').description('manage apps (on the server when logged in to one; --local: this data folder)');
  apps
    .command('create <name>')
    .requiredOption('-t, --template <template>', 'simple-api, static-site, webhook or scheduled-job')
    .option('-d, --description <text>', 'what the app is for')
    .option('--local', "this machine's data folder, even when logged in to a server")
    .description('create an app from a template')
    .action(async (name: string, opts: { template: string; description?: string; local?: boolean }) => {
      if (remote.useRemote(opts)) return remote.create(name, opts);
      await withPipeline(async (p) => {
        const app = await p.createApp({ name, template: opts.template, description: opts.description }, CLI_ACTOR);
        const view = toAppView(p.read.config, app);
        print(`created ${view.name} (${view.template}), first commit ${app.commit.slice(0, 12)}`);
        print(`  git clone ${view.cloneUrl}`);
      });
    });
  apps
    .command('list', { isDefault: true })
    .option('--json', 'print JSON')
    .option('--local', "this machine's data folder, even when logged in to a server")
    .description('list apps (`slipway apps` alone does this too)')
    .action(async (opts: { json?: boolean; local?: boolean }) => {
      if (remote.useRemote(opts)) return remote.list(opts);
      await withPipeline((p) => {
        const list = p.read.store.apps.list().map((a) => toAppView(p.read.config, a));
        if (opts.json) return print(JSON.stringify(list, null, 2));
        if (list.length === 0) return print('no apps yet: slipway apps create NAME --template static-site');
        for (const a of list) print(`${a.name.padEnd(24)} ${a.template.padEnd(14)} ${a.cloneUrl}`);
      });
    });
  apps
    .command('delete <name>')
    .option('--yes', 'confirm: the repo and its history are removed')
    .description('delete an app, its repo and its records')
    .action(async (input: string, opts: { yes?: boolean }) => {
      const name = parseAppName(input);
      if (!opts.yes) {
        process.stderr.write(`this deletes ${name}, its repo and all its history; run again with --yes to confirm\n`);
        process.exitCode = 2;
        return;
      }
      await withPipeline(async (p) => {
        await p.deleteApp(name, CLI_ACTOR);
        print(`deleted ${name}`);
      });
    });

  program
    .command('repair')
    .option('--prune', 'also remove apps whose repo is gone, and what installations that no longer exist left on Docker')
    .option('--json', 'print JSON')
    .description('make the database agree with the repos (git is the truth): apps whose repo has no row are made again')
    .action(async (opts: { prune?: boolean; json?: boolean }) => {
      await withPipeline(async (p) => {
        const r = await p.repair({ prune: opts.prune === true });
        if (opts.json) return print(JSON.stringify(r, null, 2));
        for (const a of r.restored)
          print(
            `rebuilt ${a.app} from its repo (${a.template}, ${a.generations} generation(s), ${a.domains} domain(s))` +
              (a.missingSecrets.length > 0 ? `; secrets to set again: ${a.missingSecrets.join(', ')}` : ''),
          );
        for (const app of r.withoutRepo)
          print(r.pruned.includes(app) ? `removed ${app}: its repo is gone` : `${app} has no repo (its code is gone): --prune removes it`);
        for (const i of r.ignored) print(`left alone: repos/${i.name} (${i.reason})`);
        for (const f of r.failed) print(`could not repair ${f.app}: ${f.error}`);
        if (r.othersError) print(`could not list other installations: ${r.othersError}`);
        for (const o of r.others) {
          const what = `${o.containers.length} container(s), ${o.networks.length} network(s)`;
          if (r.removedOthers.includes(o.installation)) print(`removed installation ${o.installation}'s ${what}: ${o.dataDir ?? '?'} no longer holds it`);
          else if (o.exists === false) print(`installation ${o.installation} no longer exists (${o.dataDir}) and left ${what}: --prune removes them`);
          else if (o.exists === null) print(`installation ${o.installation} (data folder unknown) has ${what}: left alone`);
          else print(`installation ${o.installation} (${o.dataDir}) has ${what}`);
        }
        if (r.restored.length + r.withoutRepo.length + r.ignored.length + r.failed.length + r.others.length === 0)
          print('the database agrees with the repos; no other installation on this engine');
        if (r.failed.length > 0) process.exitCode = 1;
      });
    });

  const domains = program.command('domains').description("manage an app's custom domains");
  domains
    .command('add <app> <environment-or-domain> [domain]')
    .description('give an environment (production when left out) a custom domain: slipway domains add shop [prod] shop.example.com')
    .action(async (input: string, first: string, second: string | undefined) => {
      const app = parseAppName(input);
      await withPipeline((p) => {
        const environment = second === undefined ? productionEnvironment(p.read.config.environments)?.name : first;
        const { domain, added } = p.addDomain(app, environment, second ?? first, CLI_ACTOR);
        print(added ? `added ${domain.domain} to ${app} (${domain.environment})` : `${domain.domain} already goes to ${app} (${domain.environment})`);
      });
    });
  domains
    .command('remove <app> <domain>')
    .description('take a custom domain off an app')
    .action(async (input: string, domain: string) => {
      const app = parseAppName(input);
      await withPipeline((p) => {
        const removed = p.removeDomain(app, domain, CLI_ACTOR);
        print(`removed ${removed.domain} from ${app} (${removed.environment})`);
      });
    });
  domains
    .command('list <app>')
    .option('--json', 'print JSON')
    .description("list an app's custom domains with their certificates")
    .action(async (input: string, opts: { json?: boolean }) => {
      const app = parseAppName(input);
      await withPipeline((p) => {
        if (!p.read.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
        const list = p.read.store.domains.listForApp(app).map((d) => ({ ...d, certificate: p.read.certificateState(d.domain) }));
        if (opts.json) return print(JSON.stringify(list, null, 2));
        if (list.length === 0) return print(`${app} has no custom domains: slipway domains add ${app} shop.example.com`);
        for (const d of list) print(`${d.domain.padEnd(40)} ${d.environment.padEnd(10)} certificate ${describeCertificate(d.certificate)}`);
      });
    });

  const tokens = program.command('token').description('manage tokens (each belongs to a person; the value is shown once)');
  tokens
    .command('create')
    .requiredOption('-n, --name <name>', 'what the token is for (unique per person)')
    .option('-p, --person <person>', 'whose token it is (name or id; default: the admin person)')
    .option('-a, --app <app>', 'only this app')
    .option('-s, --scope <scope...>', 'only: read, git:push, metrics (several allowed)')
    .option('-e, --expires <days>', 'expires after this many days')
    .description('create a token (shown once; only its hash is stored)')
    .action(async (opts: { name: string; person?: string; app?: string; scope?: string[]; expires?: string }) => {
      await withPipeline((p) => {
        const person = opts.person !== undefined ? p.people.find(opts.person) : p.people.firstAdmin();
        const made = p.people.createToken({ name: opts.name, personId: person.id, app: opts.app, scopes: opts.scope, expiresDays: opts.expires }, CLI_ACTOR);
        print(made.token);
      });
    });
  tokens
    .command('list')
    .option('-p, --person <person>', "only this person's tokens")
    .option('--json', 'print JSON')
    .description('list tokens (never their values): person, scope, expiry, last use')
    .action(async (opts: { person?: string; json?: boolean }) => {
      await withPipeline((p) => {
        const only = opts.person !== undefined ? p.people.find(opts.person).id : undefined;
        const names = new Map(p.read.store.people.list().map((x) => [x.id, x.name]));
        const list = p.read.store.tokens.list(only).map((t) => ({ ...t, person: names.get(t.personId) ?? t.personId }));
        if (opts.json) return print(JSON.stringify(list, null, 2));
        if (list.length === 0) return print('no tokens');
        for (const t of list) {
          const scope = [t.app ?? 'every app', ...t.scopes].join(', ');
          const used = t.lastUsedAt ? `last used ${t.lastUsedAt}${t.lastUsedFrom ? ` from ${t.lastUsedFrom}` : ''}` : 'never used';
          print(`${t.id}  ${t.person.padEnd(16)} ${t.name.padEnd(20)} ${scope.padEnd(24)} ${t.expiresAt ? `expires ${t.expiresAt}` : 'no expiry'}  ${used}`);
        }
      });
    });
  tokens
    .command('revoke <token>')
    .option('-p, --person <person>', 'whose token (when the name is not unique)')
    .description('revoke a token by name or id: it stops working at once, its sessions end')
    .action(async (ref: string, opts: { person?: string }) => {
      await withPipeline((p) => {
        const token = p.people.findToken(ref, opts.person !== undefined ? p.people.find(opts.person).id : undefined);
        p.people.revokeToken(token, CLI_ACTOR);
        print(`revoked ${token.name} (${token.id})`);
      });
    });

  const person = program.command('person').description('manage people and their roles');
  person
    .command('create <name>')
    .option('--email <email>', 'their email address')
    .option('--admin', 'an admin: everything, everywhere')
    .description('add a person (then grant roles, and make a token or a sign-in link)')
    .action(async (name: string, opts: { email?: string; admin?: boolean }) => {
      await withPipeline((p) => {
        const made = p.people.create({ name, email: opts.email, admin: opts.admin === true }, CLI_ACTOR);
        print(`added ${made.name} (${made.id})${made.admin ? ', admin' : ''}`);
      });
    });
  person
    .command('list')
    .option('--json', 'print JSON')
    .description('list people and their roles')
    .action(async (opts: { json?: boolean }) => {
      await withPipeline((p) => {
        const roles = p.read.store.people.allRoles();
        const list = p.read.store.people
          .list()
          .map((x) => ({ ...x, roles: roles.filter((r) => r.personId === x.id).map((r) => ({ app: r.app, role: r.role })) }));
        if (opts.json) return print(JSON.stringify(list, null, 2));
        for (const x of list) print(`${x.name.padEnd(20)} ${x.admin ? 'admin' : x.roles.map((r) => `${r.app}:${r.role}`).join(' ') || 'no roles'}`);
      });
    });
  person
    .command('grant <person> <app> <role>')
    .description('give a person a role on an app: viewer, developer or releaser')
    .action(async (who: string, app: string, role: string) => {
      await withPipeline((p) => {
        const done = p.people.grant(who, app, role, CLI_ACTOR);
        print(`${done.person.name} is ${done.role} of ${done.app}${done.before && done.before !== done.role ? ` (was ${done.before})` : ''}`);
      });
    });
  person
    .command('revoke <person> <app>')
    .description("take a person's role on an app away")
    .action(async (who: string, app: string) => {
      await withPipeline((p) => {
        const done = p.people.revokeRole(who, app, CLI_ACTOR);
        print(`${done.person.name} is no longer ${done.role} of ${done.app}`);
      });
    });
  person
    .command('admin <person> <on-or-off>')
    .description('make a person an admin (on) or not (off)')
    .action(async (who: string, state: string) => {
      if (state !== 'on' && state !== 'off') throw new InvalidInputError('say on or off');
      await withPipeline((p) => {
        const done = p.people.setAdmin(who, state === 'on', CLI_ACTOR);
        print(`${done.name} is ${done.admin ? 'an admin' : 'not an admin'}`);
      });
    });
  person
    .command('remove <person>')
    .description('remove a person with their roles and tokens')
    .action(async (who: string) => {
      await withPipeline((p) => {
        const done = p.people.remove(who, CLI_ACTOR);
        print(`removed ${done.name}`);
      });
    });
  person
    .command('sign-in-link <person>')
    .description('a one-time link that signs the person in to the UI (valid 30 minutes)')
    .action(async (who: string) => {
      await withPipeline((p) => {
        const link = p.people.signInLink(who, CLI_ACTOR);
        print(`${p.read.config.publicUrl}/sign-in/link/${link.secret}`);
        print(`valid once, until ${link.expiresAt}`);
      });
    });

  program
    .command('doctor')
    .option('--json', 'print JSON')
    .description('check what this installation needs (Docker, registry, base images, disk, public URL, TLS, API key) and say what to fix')
    .action(async (opts: { json?: boolean }) => {
      const checks = await withPipeline((p) => p.checkInstallation());
      if (opts.json) print(JSON.stringify({ checks }, null, 2));
      else {
        for (const c of checks) {
          print(`${c.status === 'fail' ? 'FAIL' : c.status.padEnd(4)}  ${c.name}: ${c.detail}`);
          if (c.fix) print(`      fix: ${c.fix}`);
        }
        const failed = checks.filter((c) => c.status === 'fail').length;
        const warned = checks.filter((c) => c.status === 'warn').length;
        print(failed + warned === 0 ? 'all good' : `${failed} failing, ${warned} to look at`);
      }
      if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
    });

  program
    .command('backup')
    .option('--out <file>', 'where to write the archive (default: a new file in SLIPWAY_BACKUP_DIR, DATA_DIR/backups)')
    .description('write one archive of the whole installation (database, repos, keys, certificates), also while the server runs')
    .action(async (opts: { out?: string }) => {
      const made = await withPipeline(async (p) => {
        const archive = await p.backups.create('cli', opts.out ? { out: opts.out } : {});
        p.audit(CLI_ACTOR, 'backup', { target: archive.name });
        return archive;
      });
      print(`wrote ${made.file}: ${made.apps.length} app(s), ${(made.size / 1024 / 1024).toFixed(1)} MiB, in ${(made.durationMs / 1000).toFixed(1)} s`);
      print('It holds the secrets key and every secret: keep it as private as the data folder.');
    });

  program
    .command('restore <file>')
    .requiredOption('--data-dir <dir>', 'an empty (or new) folder to restore into')
    .option('--new-identity', 'leave the installation id out: the copy makes its own, to run beside the original on one Docker Engine or cluster')
    .description('restore an archive of `slipway backup` into an empty folder')
    .action(async (file: string, opts: { dataDir: string; newIdentity?: boolean }) => {
      const config = services.loadConfig();
      const restored = await restoreBackup({
        archive: file,
        dataDir: opts.dataDir,
        hooksDir: join(config.projectRoot, 'hooks'),
        newIdentity: opts.newIdentity ?? false,
      });
      const { manifest } = restored;
      print(`restored ${restored.dataDir} from ${manifest.createdAt} (Slipway ${manifest.slipwayVersion}, schema ${manifest.schemaVersion})`);
      print(`  apps: ${manifest.apps.map((a) => a.name).join(', ') || 'none'}`);
      print(
        restored.identity === 'kept'
          ? `  installation id kept (${manifest.installation ?? '?'}): it takes over the containers of the installation it came from; do not run both on one Docker Engine`
          : '  a new installation id is made at its first start',
      );
      print('  not in the backup: the text of build, deployment and job-run logs');
      print(`start it: SLIPWAY_DATA_DIR=${restored.dataDir} slipway serve`);
    });

  program
    .command('mcp')
    .description('serve MCP over stdio for a local agent (Claude Desktop), relayed to the server you logged in to (or SLIPWAY_URL with SLIPWAY_TOKEN)')
    .addHelpText(
      'after',
      '\nExample (Claude Desktop\'s claude_desktop_config.json):\n  "slipway": {"command": "slipway", "args": ["mcp"],\n              "env": {"SLIPWAY_URL": "https://slipway.example.com", "SLIPWAY_TOKEN": "…"}}',
    )
    .action(async () => {
      await runMcpProxy(resolveRemote(services.loadCliSettings()), (line) => process.stderr.write(`${line}\n`));
    });

  program
    .command('hook <name>')
    .description('internal: run by the git hooks (pre-receive, post-receive)')
    .action(async (name: string) => {
      process.exitCode = await runHook(name, services.loadHookContext);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and --version end with 0; a wrong command line is a usage error.
      process.exitCode = e.exitCode === 0 ? 0 : EXIT.usage;
      return;
    }
    if (e instanceof CliError) {
      process.stderr.write(`slipway: ${e.message}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    process.stderr.write(`slipway: ${isSlipwayError(e) ? e.message : messageOf(e)}\n`);
    process.exitCode = 1;
  }
}
