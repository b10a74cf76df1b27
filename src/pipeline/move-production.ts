// Publishing and rolling back are the same act: move the production environment's ref to a commit that was
// built, with a compare-and-swap update, and queue its deployment. The image is reused, never rebuilt.
import { shortSha } from '../domain/types.js';
import type { EnvironmentDef } from '../domain/types.js';
import { resolveRef } from '../git/read-refs.js';
import { repoPath } from '../git/repo-path.js';
import { updateRefCas } from '../git/update-ref.js';
import { ConflictError, SlipwayError } from '../shared/errors.js';
import type { DeploymentRecord, DeploymentTrigger } from '../store/deployments-store.js';
import type { PipelineDeps } from './deps.js';
import { logPath } from './log-paths.js';

export function productionEnvironment(deps: Pick<PipelineDeps, 'config'>): EnvironmentDef {
  const env = deps.config.environments.find((e) => e.releaseTags !== undefined);
  if (!env) throw new SlipwayError('CONFIG', 'no environment takes release tags (releaseTags in environments/*.yaml)');
  return env;
}

/** Refuses a commit whose build failed or that was never built (publish never builds). */
export function checkPublishable(deps: Pick<PipelineDeps, 'store'>, app: string, commit: string, options: { requireBuilt: boolean }): void {
  const build = deps.store.builds.latestFor(app, commit);
  if (build?.status === 'failed')
    throw new ConflictError(`commit ${shortSha(commit)} cannot go to production: its build failed (${(build.error ?? '').split('\n')[0]})`);
  if (options.requireBuilt && build?.status !== 'succeeded')
    throw new ConflictError(`commit ${shortSha(commit)} has not been built yet: push it to main first, or wait for its build`);
}

export async function moveProduction(deps: PipelineDeps, app: string, commit: string, trigger: DeploymentTrigger, why: string): Promise<DeploymentRecord> {
  const env = productionEnvironment(deps);
  const gitdir = repoPath(deps.config.dataDir, app);
  // A push may move prod at the same moment: retry the compare-and-swap against what is there now.
  for (let attempt = 0; ; attempt++) {
    const current = await resolveRef(gitdir, env.ref);
    if (current === commit) break;
    try {
      await updateRefCas(gitdir, env.ref, commit, current, why);
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
  const previous = deps.store.deployments.live(app, env.name)?.commit ?? null;
  return deps.store.deployments.create({
    app,
    environment: env.name,
    commit,
    trigger,
    previousCommit: previous,
    logPath: (id) => logPath(deps.config.dataDir, 'deployments', id),
  });
}
