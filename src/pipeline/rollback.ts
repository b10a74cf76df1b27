// Rollback: move production back to an earlier release (by default the one before what production runs).
import { shortSha } from '../domain/types.js';
import { listReleases } from '../git/list-releases.js';
import { repoPath } from '../git/repo-path.js';
import { ConflictError, NotFoundError } from '../shared/errors.js';
import type { DeploymentRecord } from '../store/deployments-store.js';
import type { PipelineDeps } from './deps.js';
import { checkPublishable, moveProduction, productionEnvironment } from './move-production.js';
import { resolveCommitish } from './publish.js';

export interface RollbackResult {
  tag: string | null;
  commit: string;
  deployment: DeploymentRecord;
}

export async function rollback(deps: PipelineDeps, app: string, options: { to?: string }): Promise<RollbackResult> {
  if (!deps.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  const gitdir = repoPath(deps.config.dataDir, app);
  const prod = productionEnvironment(deps);
  const releases = await listReleases(gitdir);
  const current = deps.store.deployments.live(app, prod.name)?.commit ?? null;
  let commit: string;
  if (options.to) commit = await resolveCommitish(gitdir, options.to);
  else {
    const currentIndex = releases.findIndex((r) => r.commit === current);
    // The release before the one production runs (releases are newest first).
    const previous = releases.slice(currentIndex === -1 ? 0 : currentIndex + 1).find((r) => r.commit !== current);
    if (!previous) throw new ConflictError(`there is no earlier release to roll back to${current ? ` (production runs ${shortSha(current)})` : ''}`);
    commit = previous.commit;
  }
  checkPublishable(deps, app, commit, { requireBuilt: true });
  const tag = releases.find((r) => r.commit === commit)?.tag ?? null;
  const deployment = await moveProduction(deps, app, commit, 'rollback', `rollback to ${tag ?? shortSha(commit)}`);
  return { tag, commit, deployment };
}
