// Applies retention to one app: gathers the facts (what runs, what environments follow, releases, builds, logs),
// plans with the pure rule (src/domain/plan-retention.ts), then removes what the plan lets go. An image is marked
// removed on its build rows before it is removed, in a transaction that refuses when a deployment uses its commit:
// a deploy that reused the image before the mark keeps it, and any use after the mark builds it again.
import { rm } from 'node:fs/promises';
import { readManifestDigests, RegistryError } from '../build/remove-image.js';
import { productionEnvironment } from '../domain/environments.js';
import { LOG_KINDS, planRetention, type KeepReason, type LogKind } from '../domain/plan-retention.js';
import { releasesOf } from '../git/list-releases.js';
import { readRefs } from '../git/read-refs.js';
import { repoPath } from '../git/repo-path.js';
import { messageOf } from '../shared/errors.js';
import type { LogFile } from '../store/retention-store.js';
import { listBranchPreviews } from './branch-previews.js';
import { builtImages } from './built-images.js';
import type { PipelineDeps } from './deps.js';

export interface RetentionOutcome {
  app: string;
  /** Images that stay, with why. */
  kept: { commit: string; image: string; reasons: KeepReason[] }[];
  /** Images removed (from Docker, and from the registry when they were pushed there). */
  removed: string[];
  /** Images a container still uses (a retired one in its grace period): tried again on the next pass. */
  inUse: string[];
  logsRemoved: number;
}

export type RetentionDeps = Pick<PipelineDeps, 'config' | 'store' | 'runtime' | 'docker' | 'images' | 'log'>;

export async function applyRetention(deps: RetentionDeps, app: string, signal?: AbortSignal): Promise<RetentionOutcome> {
  const { config, store } = deps;
  const outcome: RetentionOutcome = { app, kept: [], removed: [], inUse: [], logsRemoved: 0 };
  if (!store.apps.get(app)) return outcome;
  const refs = await readRefs(repoPath(config.dataDir, app));
  const running = await deps.runtime.current(app);
  const production = productionEnvironment(config.environments);
  const inUse = [
    ...store.retention.commitsInUse(app),
    ...running.map((i) => i.commit),
    // Where each environment's ref points: what the next pass deploys, however old (a push of an old commit to prod).
    ...config.environments.flatMap((e) => refs.find((r) => r.ref === e.ref)?.sha ?? []),
    // The same for branch previews that run; a deleted or stopped one's image is left to the rule like any other.
    ...(await listBranchPreviews(deps, app)).flatMap((b) => (b.state === 'active' ? [b.commit] : [])),
  ];
  const images = store.retention.builtImages(app);
  const logs = Object.fromEntries(LOG_KINDS.map((kind) => [kind, store.retention.logFiles(app, kind)])) as Record<LogKind, LogFile[]>;
  const plan = planRetention(
    {
      inUse,
      releases: releasesOf(refs),
      productionCommit: production
        ? (store.deployments.live(app, production.name)?.commit ?? running.find((i) => i.environment === production.name)?.commit ?? null)
        : null,
      images,
      logs,
    },
    config.retention,
  );
  const imageOf = new Map(images.map((i) => [i.commit, i.image]));
  outcome.kept = plan.keep.map((k) => ({ ...k, image: imageOf.get(k.commit)! }));
  outcome.logsRemoved = await removeLogs(deps, plan.removeLogs, logs);
  await removeImages(deps, app, plan.remove, imageOf, outcome, signal);
  if (outcome.removed.length > 0 || outcome.logsRemoved > 0)
    deps.log.info('retention removed what it keeps no more', { app, images: outcome.removed, logs: outcome.logsRemoved });
  return outcome;
}

async function removeLogs(deps: RetentionDeps, remove: { kind: LogKind; id: string }[], logs: Record<LogKind, LogFile[]>): Promise<number> {
  let removed = 0;
  for (const kind of LOG_KINDS) {
    const done: string[] = [];
    for (const { id } of remove.filter((r) => r.kind === kind)) {
      const file = logs[kind].find((l) => l.id === id);
      if (!file) continue;
      try {
        await rm(file.path, { force: true });
        done.push(id);
      } catch (e) {
        deps.log.warn('retention could not remove a log file; its row stays unmarked and it is tried again', { path: file.path, error: messageOf(e) });
      }
    }
    deps.store.retention.markLogsRemoved(kind, done);
    removed += done.length;
  }
  return removed;
}

async function removeImages(
  deps: RetentionDeps,
  app: string,
  commits: string[],
  imageOf: ReadonlyMap<string, string>,
  outcome: RetentionOutcome,
  signal?: AbortSignal,
): Promise<void> {
  if (commits.length === 0) return;
  const { store } = deps;
  const registry = deps.config.build.registry?.replace(/\/+$/, '');
  // Read once, and only when an image of the registry is about to go.
  let kept: Promise<Set<string>> | undefined;
  const keptDigests = () =>
    (kept ??= readManifestDigests(
      outcome.kept.map((k) => k.image).filter((image) => registry !== undefined && image.startsWith(`${registry}/`)),
      signal,
    ));
  const remove = builtImages(deps).remove;
  for (const commit of commits) {
    signal?.throwIfAborted();
    const image = imageOf.get(commit);
    if (!image) continue;
    const markedAt = store.retention.markImageRemoved(app, commit);
    // A deployment took the commit up since the facts were read: it stays.
    if (markedAt === null) continue;
    try {
      const result = await remove({ docker: deps.docker, image, registry, keptDigests, signal });
      if (result.local === 'in-use') {
        store.retention.unmarkImageRemoved(app, commit, markedAt);
        outcome.inUse.push(image);
      } else outcome.removed.push(image);
    } catch (e) {
      if (e instanceof RegistryError) {
        // Docker no longer has it, so the mark stays (a later use builds it again); the registry's copy is left.
        outcome.removed.push(image);
        deps.log.warn('retention removed an image from Docker, but the registry kept it', { app, image, error: e.message });
        continue;
      }
      store.retention.unmarkImageRemoved(app, commit, markedAt);
      throw e;
    }
  }
}
