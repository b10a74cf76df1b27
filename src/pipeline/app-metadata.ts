// Keeps what the database knows of an app beyond its code (template, description, creation time, secret names,
// custom domains) in the app's repo too (src/git/app-metadata.ts), so that the repos alone can rebuild it. The
// database is what is written first and what wins: every start writes each app's metadata from it
// (repairFromRepos), and each change writes it again. Writes of one app run one after another.
import { readAppMetadata, writeAppIdentity, writeAppList, type AppMetadata } from '../git/app-metadata.js';
import { repoPath } from '../git/repo-path.js';
import { messageOf } from '../shared/errors.js';
import type { PipelineDeps } from './deps.js';

const queues = new Map<string, Promise<void>>();

const secretEntries = (deps: Pick<PipelineDeps, 'config' | 'store'>, app: string): string[] =>
  deps.config.environments.flatMap((env) => deps.store.secrets.names(app, env.name).map((name) => `${env.name}/${name}`));
const domainEntries = (deps: Pick<PipelineDeps, 'store'>, app: string): string[] =>
  deps.store.domains.listForApp(app).map((d) => `${d.environment}/${d.domain}`);
const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);

async function write(deps: Pick<PipelineDeps, 'config' | 'store'>, app: string, o: WriteOptions): Promise<void> {
  const record = deps.store.apps.get(app);
  if (!record) return;
  const gitdir = repoPath(deps.config.dataDir, app);
  const meta = o.known ?? (await readAppMetadata(gitdir));
  if (meta.template !== record.template || meta.description !== record.description || meta.createdAt !== record.createdAt)
    await writeAppIdentity(gitdir, record);
  // The database's secrets, and the names it lost (a rebuild without a backup) until each is set again or dropped.
  const held = secretEntries(deps, app);
  const lost = meta.secrets.map((s) => `${s.environment}/${s.name}`).filter((e) => !held.includes(e) && !(o.dropSecrets ?? []).includes(e));
  const secrets = [...held, ...lost];
  if (
    !same(
      secrets,
      meta.secrets.map((s) => `${s.environment}/${s.name}`),
    )
  )
    await writeAppList(gitdir, 'secret', secrets);
  const domains = domainEntries(deps, app);
  if (
    !same(
      domains,
      meta.domains.map((d) => `${d.environment}/${d.domain}`),
    )
  )
    await writeAppList(gitdir, 'domain', domains);
}

interface WriteOptions {
  /** The metadata as just read, to save reading it again. */
  known?: AppMetadata;
  /** Secret names (`ENVIRONMENT/NAME`) to forget even though the database never had them (a lost one dismissed). */
  dropSecrets?: readonly string[];
}

/**
 * Writes the app's metadata from the database into its repo (what differs); resolves when written. Secret names
 * the repo has and the database does not (lost with it) are kept, unless dropped.
 */
export function writeAppMetadata(deps: Pick<PipelineDeps, 'config' | 'store'>, app: string, o: WriteOptions = {}): Promise<void> {
  const next = (queues.get(app) ?? Promise.resolve()).then(() => write(deps, app, o));
  const settled = next.catch(() => undefined);
  queues.set(app, settled);
  void settled.then(() => {
    if (queues.get(app) === settled) queues.delete(app);
  });
  return next;
}

/** The same, for changes whose callers do not wait: a failure is logged (the next start writes it again). */
export function recordAppMetadata(deps: Pick<PipelineDeps, 'config' | 'store' | 'log'>, app: string): void {
  writeAppMetadata(deps, app).catch((e: unknown) =>
    deps.log.warn('could not write the app’s metadata into its repo; the next start does', { app, error: messageOf(e) }),
  );
}

/** Waits for every write under way (before the store closes). */
export async function appMetadataWritten(): Promise<void> {
  await Promise.all([...queues.values()]);
}
