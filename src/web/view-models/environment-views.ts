// Each environment of an app as people see it: what its ref asks for, what serves, and how the last deploy went.
import { environmentUrl } from '../../domain/host-for.js';
import { listReleases } from '../../git/list-releases.js';
import { resolveRef } from '../../git/read-refs.js';
import { repoPath } from '../../git/repo-path.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { readSchedule } from '../../pipeline/read-app-settings.js';
import type { EnvironmentView } from '../../domain/app-view.js';

export type { EnvironmentView } from '../../domain/app-view.js';

export async function environmentViews(read: Pick<PipelineReads, 'config' | 'store' | 'health'>, app: string): Promise<EnvironmentView[]> {
  const gitdir = repoPath(read.config.dataDir, app);
  const [releases, health] = await Promise.all([listReleases(gitdir), read.health(app)]);
  return Promise.all(
    read.config.environments.map(async (env) => {
      const live = read.store.deployments.live(app, env.name);
      const latest = read.store.deployments.latest(app, env.name);
      const status = latest && latest.status !== 'superseded' && latest.status !== 'replaced' ? latest.status : live ? 'live' : 'not deployed';
      return {
        name: env.name,
        title: env.title,
        ref: env.ref,
        url: environmentUrl(read.config, env, app),
        schedule: live ? await readSchedule(gitdir, live.commit) : null,
        commit: await resolveRef(gitdir, env.ref),
        appliedCommit: live?.commit ?? null,
        image: live?.image ?? null,
        release: live ? (releases.find((r) => r.commit === live.commit)?.tag ?? null) : null,
        status,
        since: live?.finishedAt ?? null,
        lastDeployment: latest ? { id: latest.id, commit: latest.commit, status: latest.status, reason: latest.reason } : null,
        health: live ? pick(health?.find((h) => h.environment === env.name)) : null,
      };
    }),
  );
}

type Health = NonNullable<Awaited<ReturnType<PipelineReads['health']>>>[number];
const pick = (h: Health | undefined) => (h ? { restarts: h.restarts, problem: h.problem } : null);
