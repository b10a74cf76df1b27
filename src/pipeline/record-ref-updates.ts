// The one intake: every ref update that should move an environment — a push, a generation's commit, a revert, a
// fix, a publish or a rollback, the first commit of a new app — is recorded here. The ref-update row (with the
// ref's real old value and the kind the environment files give it) and the queued deployment are written in one
// transaction, so a crash between the two cannot leave a ref update that no deployment answers, or the reverse.
import { classifyRefUpdate, type RefUpdate } from '../domain/classify-ref.js';
import { branchPreviewsOn } from '../domain/host-for.js';
import { ZERO_SHA } from '../domain/types.js';
import { readDirection } from '../git/read-direction.js';
import { repoPath } from '../git/repo-path.js';
import type { DeploymentRecord, DeploymentTrigger } from '../store/deployments-store.js';
import type { RefUpdateRecord } from '../store/ref-updates-store.js';
import type { PipelineDeps } from './deps.js';
import { branchEnvironmentOf } from './branch-previews.js';
import { logPath } from './log-paths.js';

export interface IntakeOrigin {
  /** Who moved the refs: the pusher's token name, `claude`, the person who published. */
  by: string;
  pushOptions?: readonly string[];
  /** What moved a branch other than production's: a push, a generation's commit, a revert, app creation. */
  trigger: Extract<DeploymentTrigger, 'push' | 'generation' | 'revert' | 'create'>;
  /** What a move of production's branch is, when the caller has asked git already (a plan, a release tag). */
  productionTrigger?: 'publish' | 'rollback';
  /** The release tag a move of production names (a publish's new tag, a pushed tag). */
  tag?: string | null;
}

export interface IntakeRecord extends RefUpdateRecord {
  /** The deployment this update queued (null for release tags, which move production when applied, and ignored refs). */
  deployment: DeploymentRecord | null;
}

export async function recordRefUpdates(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events'>,
  app: string,
  updates: readonly RefUpdate[],
  origin: IntakeOrigin,
): Promise<IntakeRecord[]> {
  const { config, store } = deps;
  const gitdir = repoPath(config.dataDir, app);
  const planned = await Promise.all(
    updates.map(async (u) => {
      const c = classifyRefUpdate(u, config.environments, branchPreviewsOn(config));
      // A branch preview's environment: `preview--SLUG` (none when the branch cannot have one: too long a host).
      const branchEnv = c.kind === 'branch' || c.kind === 'branch-deleted' ? branchEnvironmentOf(deps, app, c.branch) : undefined;
      const environment = c.kind === 'ignore' ? null : 'environment' in c ? c.environment : (branchEnv?.name ?? null);
      // Moving production's branch back is a rollback; any other move of it publishes.
      const trigger: DeploymentTrigger | null =
        c.kind === 'preview' || (c.kind === 'branch' && branchEnv)
          ? origin.trigger
          : c.kind === 'production-move'
            ? (origin.productionTrigger ??
              ((await readDirection(gitdir, u.oldSha === ZERO_SHA ? null : u.oldSha, u.newSha)) === 'back' ? 'rollback' : 'publish'))
            : null;
      return { update: u, kind: c.kind, environment, trigger };
    }),
  );
  const records = store.transaction(() => {
    const rows = store.refUpdates.record(
      planned.map((p) => ({ app, ...p.update, kind: p.kind, environment: p.environment, pusher: origin.by, pushOptions: [...(origin.pushOptions ?? [])] })),
    );
    return rows.map((row, i) => {
      const { trigger, environment } = planned[i]!;
      const deployment =
        trigger && environment
          ? store.deployments.create({
              app,
              environment,
              commit: row.newSha,
              trigger,
              previousCommit: store.deployments.live(app, environment)?.commit ?? null,
              logPath: (id) => logPath(config.dataDir, 'deployments', id),
            })
          : null;
      return { ...row, deployment };
    });
  });
  // Announced once recorded (a crash before the commit announces nothing that did not happen).
  for (const [i, r] of records.entries()) {
    const trigger = planned[i]!.trigger;
    if (r.kind !== 'production-move' || !r.deployment || (trigger !== 'publish' && trigger !== 'rollback')) continue;
    deps.events.emit({
      type: 'release',
      app,
      action: trigger,
      environment: r.deployment.environment,
      commit: r.newSha,
      previousCommit: r.deployment.previousCommit,
      tag: origin.tag ?? null,
      by: origin.by,
      deploymentId: r.deployment.id,
    });
  }
  return records;
}
