// Reads what a publish or a rollback would change and plans it (src/domain/plan-release-change.ts): the view
// shown before a person confirms. The same rules as publish and rollback pick the target.
import { planReleaseChange, type ReleaseAction, type ReleaseChangePlan } from '../domain/plan-release-change.js';
import { shortSha } from '../domain/types.js';
import { listReleases, releasesOf, type Release } from '../git/list-releases.js';
import { readChangeSet, type Patch } from '../git/read-change-set.js';
import { readCommits, type CommitInfo } from '../git/read-commits.js';
import { repoPath } from '../git/repo-path.js';
import { previewEnvironment } from '../domain/environments.js';
import { readRefs } from '../git/read-refs.js';
import { ConflictError, NotFoundError } from '../shared/errors.js';
import { resolveCommitish } from '../git/resolve-commitish.js';
import type { PipelineDeps } from './deps.js';
import { buildFacts, productionEnvironment } from './move-production.js';

export interface ProductionMovePlan {
  plan: ReleaseChangePlan;
  /** The unified patch from what production runs to the target (for the diff view). */
  patch: Patch;
}

export interface RollbackChoice extends Release {
  commitInfo: CommitInfo | null;
  /** Production runs this release now. */
  current: boolean;
  build: string;
  /** Retention removed its image: rolling back to it builds it again. */
  imageRemoved: boolean;
}

export async function planProductionMove(
  deps: Pick<PipelineDeps, 'config' | 'store'>,
  app: string,
  action: ReleaseAction,
  /** `summary`: counts only, what applying needs (no commit lists, files or patch). */
  options: { to?: string; summary?: boolean } = {},
): Promise<ProductionMovePlan> {
  if (!deps.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  const gitdir = repoPath(deps.config.dataDir, app);
  const prod = productionEnvironment(deps);
  // One `git for-each-ref` gives the releases and where production's ref points.
  const refs = await readRefs(gitdir);
  const releases = releasesOf(refs);
  const current = deps.store.deployments.live(app, prod.name)?.commit ?? null;
  let target: string;
  if (options.to) target = await resolveCommitish(gitdir, options.to);
  else if (action === 'publish') {
    const preview = previewEnvironment(deps.config.environments);
    const live = preview ? deps.store.deployments.live(app, preview.name)?.commit : undefined;
    if (!live) throw new ConflictError(`${preview?.title ?? 'Preview'} runs nothing yet: push to main first, or name a commit to publish`);
    target = live;
  } else {
    const i = releases.findIndex((r) => r.commit === current);
    const previous = releases.slice(i === -1 ? 0 : i + 1).find((r) => r.commit !== current);
    if (!previous) throw new ConflictError(`there is no earlier release to roll back to${current ? ` (${prod.title} runs ${shortSha(current)})` : ''}`);
    target = previous.commit;
  }
  const tagOf = (sha: string | null) => (sha ? (releases.find((r) => r.commit === sha)?.tag ?? null) : null);
  const change = await readChangeSet(gitdir, current, target, options.summary ? { counts: 'only' } : {});
  const plan = planReleaseChange({
    action,
    environment: prod.title,
    current: current ? { commit: current, tag: tagOf(current) } : null,
    target: { commit: target, tag: tagOf(target), build: buildFacts(deps.store.builds.latestFor(app, target)) },
    productionRef: refs.find((r) => r.ref === prod.ref)?.sha ?? null,
    releaseTags: releases.map((r) => r.tag),
    commitsIn: change.added,
    commitsInTotal: change.addedTotal,
    commitsOut: change.removed,
    commitsOutTotal: change.removedTotal,
    files: change.files,
  });
  return { plan, patch: change.patch };
}

/** Every release, newest first, with its commit and whether production runs it: what a rollback can go to. */
export async function listRollbackChoices(deps: Pick<PipelineDeps, 'config' | 'store'>, app: string): Promise<RollbackChoice[]> {
  if (!deps.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  const gitdir = repoPath(deps.config.dataDir, app);
  const releases = await listReleases(gitdir);
  const current = deps.store.deployments.live(app, productionEnvironment(deps).name)?.commit ?? null;
  const commits = await readCommits(
    gitdir,
    releases.map((r) => r.commit),
  );
  return releases.map((r) => {
    const build = deps.store.builds.latestFor(app, r.commit);
    return {
      ...r,
      commitInfo: commits.get(r.commit) ?? null,
      current: r.commit === current,
      build: build?.status ?? 'none',
      imageRemoved: build?.status === 'succeeded' && build.imageRemovedAt !== null,
    };
  });
}
