// Git is the truth: the database is made to agree with the repos, at every start and with `slipway repair`.
//
//  - a repo without a row becomes an app again: its template, description, creation time, custom domains and the
//    names of its secrets from the repo's `slipway` config (app-metadata.ts; for a repo from before that was kept,
//    the template from its first commit's message), its generations from the trailers of Claude's commits;
//  - a row whose repo is gone is reported, and removed with `prune`;
//  - a row with its repo: the repo's metadata is written from the row (the database wins while it exists).
//
// What serves is not touched here: the reconciler's first pass converges each environment to its ref as usual,
// finding running containers of this installation and recording them (converge-app.ts, adoptRunning), and
// building only the images that are gone.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAppName } from '../domain/app-name.js';
import { readAppMetadata, type AppMetadata } from '../git/app-metadata.js';
import { readGenerationCommits } from '../git/read-generation-commits.js';
import { repoPath, reposDir } from '../git/repo-path.js';
import { exec } from '../shared/exec.js';
import { messageOf } from '../shared/errors.js';
import type { AppRecord } from '../store/apps-store.js';
import { writeAppMetadata } from './app-metadata.js';
import type { PipelineDeps } from './deps.js';

export interface RepairReport {
  /** Apps made again from their repos. */
  restored: { app: string; template: string; generations: number; domains: number; missingSecrets: string[] }[];
  /** Apps whose row has no repo (their code is gone); removed when pruning. */
  withoutRepo: string[];
  pruned: string[];
  /** Folders in repos/ that are not an app's repo, with why (left alone). */
  ignored: { name: string; reason: string }[];
  /** Apps whose metadata could not be read or written (the rest went on). */
  failed: { app: string; error: string }[];
}

/** The template a repo was made from, by its first commit's message ("Create NAME from the TEMPLATE template"). */
async function firstCommit(gitdir: string): Promise<{ template: string | null; at: string | null }> {
  const { stdout } = await exec('git', ['--git-dir', gitdir, 'log', '--all', '--max-parents=0', '--reverse', '--format=%aI%x1f%s'], { okCodes: [0, 128] });
  const [at = '', subject = ''] = (stdout.split('\n')[0] ?? '').split('\x1f');
  return { template: /^Create \S+ from the (\S+) template$/.exec(subject)?.[1] ?? null, at: at || null };
}

async function restoreApp(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'log' | 'events'>,
  name: string,
  meta: AppMetadata,
): Promise<RepairReport['restored'][number]> {
  const { store, config } = deps;
  const gitdir = repoPath(config.dataDir, name);
  const first = meta.template && meta.createdAt ? { template: null, at: null } : await firstCommit(gitdir);
  const record: AppRecord = {
    name,
    template: meta.template ?? first.template ?? 'unknown',
    description: meta.description ?? '',
    createdAt: meta.createdAt ?? first.at ?? new Date().toISOString(),
  };
  store.apps.insert(record);
  let generations = 0;
  for (const g of await readGenerationCommits(gitdir)) {
    const restored = store.generations.restore({
      id: g.generationId,
      app: name,
      kind: g.kind,
      parentId: g.parentId,
      prompt: g.prompt,
      requestedBy: g.requestedBy,
      model: g.model,
      summary: g.summary,
      commit: g.commit,
      createdAt: g.createdAt,
    });
    if (!restored) continue;
    generations += 1;
    if (g.kind === 'revert' && g.parentId && store.generations.get(g.parentId)?.app === name)
      store.generations.update(g.parentId, { revertedBy: g.generationId });
  }
  let domains = 0;
  for (const d of meta.domains) {
    // A domain another app took meanwhile stays that app's; one of an environment no longer configured is left out.
    if (store.domains.get(d.domain) || !config.environments.some((e) => e.name === d.environment)) continue;
    store.domains.add({ domain: d.domain, app: name, environment: d.environment, createdAt: record.createdAt });
    deps.events.emit({ type: 'domain', app: name, environment: d.environment, domain: d.domain, change: 'added' });
    domains += 1;
  }
  const missingSecrets = meta.secrets.map((s) => `${s.environment}/${s.name}`);
  deps.log.warn('app rebuilt from its repo', { app: name, template: record.template, generations, domains, missingSecrets });
  return { app: name, template: record.template, generations, domains, missingSecrets };
}

export async function repairFromRepos(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'log' | 'events'>,
  options: { prune?: boolean; removeApp?: (name: string) => Promise<void> } = {},
): Promise<RepairReport> {
  const { config, store } = deps;
  const report: RepairReport = { restored: [], withoutRepo: [], pruned: [], ignored: [], failed: [] };
  const dir = reposDir(config.dataDir);
  const folders = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()) : [];
  const repos = new Set<string>();
  for (const folder of folders) {
    // Apps being deleted (`APP.git.deleting-TIME`) or created are not apps.
    if (!folder.name.endsWith('.git')) continue;
    const name = folder.name.slice(0, -'.git'.length);
    if (!existsSync(join(dir, folder.name, 'HEAD'))) {
      report.ignored.push({ name: folder.name, reason: 'not a git repository' });
      continue;
    }
    try {
      if (parseAppName(name, config) !== name) throw new Error('not in the form Slipway gives app names');
    } catch (e) {
      if (!store.apps.get(name)) {
        report.ignored.push({ name: folder.name, reason: messageOf(e) });
        continue;
      }
    }
    repos.add(name);
  }
  for (const name of [...repos].sort()) {
    try {
      const meta = await readAppMetadata(repoPath(config.dataDir, name));
      if (!store.apps.get(name)) report.restored.push(await restoreApp(deps, name, meta));
      await writeAppMetadata(deps, name, { known: meta });
    } catch (e) {
      report.failed.push({ app: name, error: messageOf(e) });
      deps.log.error('could not repair an app from its repo', { app: name, error: messageOf(e) });
    }
  }
  for (const app of store.apps.list()) {
    if (repos.has(app.name)) continue;
    report.withoutRepo.push(app.name);
    if (!options.prune) {
      deps.log.warn('an app has no repo (its code is gone): `slipway repair --prune` removes it', { app: app.name });
      continue;
    }
    try {
      if (options.removeApp) await options.removeApp(app.name);
      else store.apps.remove(app.name);
      report.pruned.push(app.name);
    } catch (e) {
      report.failed.push({ app: app.name, error: messageOf(e) });
    }
  }
  return report;
}
