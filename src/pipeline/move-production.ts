// Moving production: the one place where production's ref moves, after the production rule
// (src/domain/decide-production-move.ts) said yes. Publish and rollback apply the plan they were shown; a pushed
// release tag is applied by the reconciler with the same rule. The ref moves with a compare-and-swap from the
// value the decision saw, and the move goes through the one intake (a ref-update row and a queued deployment).
import { decideProductionMove, type BuildFacts } from '../domain/decide-production-move.js';
import { productionEnvironment as productionOf } from '../domain/environments.js';
import type { ReleaseChangePlan } from '../domain/plan-release-change.js';
import { shortSha, ZERO_SHA, type EnvironmentDef } from '../domain/types.js';
import { readDirection } from '../git/read-direction.js';
import { resolveRef } from '../git/read-refs.js';
import { repoPath } from '../git/repo-path.js';
import { createTagWith, updateRefCas } from '../git/update-ref.js';
import { ConflictError, SlipwayError } from '../shared/errors.js';
import type { BuildRecord } from '../store/builds-store.js';
import type { RefUpdateRecord } from '../store/ref-updates-store.js';
import type { PipelineDeps } from './deps.js';
import { ensureBuild } from './ensure-build.js';
import { recordRefUpdates, type IntakeRecord } from './record-ref-updates.js';

export function productionEnvironment(deps: Pick<PipelineDeps, 'config'>): EnvironmentDef {
  const env = productionOf(deps.config.environments);
  if (!env) throw new SlipwayError('CONFIG', 'no environment takes release tags (releaseTags in environments/*.yaml)');
  return env;
}

export function buildFacts(build: BuildRecord | undefined): BuildFacts {
  if (!build) return { status: 'none', needsPerson: false, error: null };
  return { status: build.status, needsPerson: build.needsPerson === 1, error: build.error, ...(build.imageRemovedAt ? { imageRemoved: true } : {}) };
}

const SLIPWAY = { name: 'Slipway', email: 'slipway@slipway.local' };

/** Applies a publish or rollback plan exactly as shown: its commit, its tag, from the ref value it saw. */
export async function applyProductionMove(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events'>,
  app: string,
  plan: ReleaseChangePlan,
  by: string,
): Promise<IntakeRecord> {
  if (plan.blockers.length > 0) throw new ConflictError(plan.blockers.join(' '));
  const env = productionEnvironment(deps);
  const gitdir = repoPath(deps.config.dataDir, app);
  const commit = plan.to.commit;
  const reason = `${plan.action} ${plan.tag ?? shortSha(commit)} (by ${by})`;
  const moves = plan.productionRef === commit ? [] : [{ ref: env.ref, newSha: commit, expectedOld: plan.productionRef }];
  try {
    // The new release tag and production's move are one transaction: a stale plan uses up no release name.
    if (plan.createsTag && plan.tag)
      await createTagWith(gitdir, { name: plan.tag, commit, message: `Release ${plan.tag} (published by ${by})\n`, tagger: SLIPWAY }, moves, reason);
    else for (const m of moves) await updateRefCas(gitdir, m.ref, m.newSha, m.expectedOld, reason);
  } catch (e) {
    if (e instanceof ConflictError && !e.message.includes(`tag ${plan.tag}`))
      throw new ConflictError(`${env.title} moved while this ${plan.action} was being applied; look at the plan again`);
    throw e;
  }
  const [record] = await recordRefUpdates(deps, app, [{ ref: env.ref, oldSha: plan.productionRef ?? ZERO_SHA, newSha: commit }], {
    by,
    trigger: 'push',
    productionTrigger: plan.trigger,
    tag: plan.tag,
  });
  return record!;
}

/**
 * A pushed release tag, recorded by post-receive: peeled to its commit, decided by the production rule, built
 * first when the pusher sent code not built yet, then production moves to it. Returns the outcome to record, or
 * null when it must be tried again (a build that failed for a reason Slipway retries).
 */
export async function applyReleaseTag(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events' | 'docker' | 'build' | 'buildCgroups' | 'runtime'>,
  update: RefUpdateRecord,
  signal?: AbortSignal,
): Promise<string | null> {
  const env = productionEnvironment(deps);
  const app = update.app;
  const tag = update.ref.replace(/^refs\/tags\//, '');
  const gitdir = repoPath(deps.config.dataDir, app);
  const commit = await resolveRef(gitdir, update.newSha);
  if (!commit) return `not published: ${tag} does not point at a commit`;
  // The tag must still name what was pushed (release tags are never moved; a deleted one publishes nothing).
  if ((await resolveRef(gitdir, update.ref)) !== commit) return `not published: ${tag} no longer points at ${shortSha(commit)}`;
  const decide = async () => {
    const current = await resolveRef(gitdir, env.ref);
    const direction = await readDirection(gitdir, current, commit);
    const build = buildFacts(deps.store.builds.latestFor(app, commit));
    return { current, direction, decision: decideProductionMove({ via: 'tag', environment: env.title, target: commit, direction, build }) };
  };
  let { current, direction, decision } = await decide();
  if (decision.allowed && decision.waitsForBuild) {
    const build = await ensureBuild(deps, app, commit, { signal });
    if (!build.ok && !build.needsPerson) return null;
    ({ current, direction, decision } = await decide());
  }
  if (!decision.allowed) return `not published: ${decision.reason}`;
  if (direction === 'none') return `${env.title} already runs ${tag} (${shortSha(commit)})`;
  await updateRefCas(gitdir, env.ref, commit, current, `publish ${tag} (pushed by ${update.pusher || 'a push'})`);
  await recordRefUpdates(deps, app, [{ ref: env.ref, oldSha: current ?? ZERO_SHA, newSha: commit }], {
    by: update.pusher,
    trigger: 'push',
    productionTrigger: decision.trigger,
    tag,
  });
  return `${env.title}: moved to ${tag} (${shortSha(commit)})`;
}
