// Publish: tag the next release on a built commit (by default what preview runs) and move production to it.
import { nextReleaseName } from '../domain/release-name.js';
import { shortSha } from '../domain/types.js';
import { listReleases } from '../git/list-releases.js';
import { resolveRef } from '../git/read-refs.js';
import { repoPath } from '../git/repo-path.js';
import { createTag } from '../git/update-ref.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../shared/errors.js';
import type { DeploymentRecord } from '../store/deployments-store.js';
import type { PipelineDeps } from './deps.js';
import { checkPublishable, moveProduction } from './move-production.js';

export interface PublishResult {
  tag: string;
  commit: string;
  deployment: DeploymentRecord;
}

/** Resolves what a person named (a full or short sha, a tag, a branch) to a commit of the app's repo. */
export async function resolveCommitish(gitdir: string, what: string): Promise<string> {
  if (!/^[A-Za-z0-9._/-]{1,200}$/.test(what) || what.includes('..') || what.startsWith('-'))
    throw new InvalidInputError(`"${what.slice(0, 60)}" is not a commit, tag or branch name`);
  const commit = await resolveRef(gitdir, what);
  if (!commit) throw new NotFoundError(`no commit, tag or branch "${what}" in this app`);
  return commit;
}

export async function publish(deps: PipelineDeps, app: string, options: { commit?: string; by: string }): Promise<PublishResult> {
  if (!deps.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  const gitdir = repoPath(deps.config.dataDir, app);
  const preview = deps.config.environments.find((e) => e.releaseTags === undefined && e.ref === 'refs/heads/main') ?? deps.config.environments[0]!;
  const commit = options.commit ? await resolveCommitish(gitdir, options.commit) : deps.store.deployments.live(app, preview.name)?.commit;
  if (!commit) throw new ConflictError(`${preview.title} runs nothing yet: push to main first, or name a commit to publish`);
  checkPublishable(deps, app, commit, { requireBuilt: true });
  const releases = await listReleases(gitdir);
  const existing = releases.find((r) => r.commit === commit);
  // Publishing a commit that already is a release reuses its tag rather than minting a second one.
  const tag = existing?.tag ?? nextReleaseName(releases.map((r) => r.tag));
  if (!existing) await createTag(gitdir, tag, commit, `Release ${tag} (published by ${options.by})\n`, { name: 'Slipway', email: 'slipway@slipway.local' });
  const deployment = await moveProduction(deps, app, commit, 'publish', `publish ${tag} (${shortSha(commit)})`);
  return { tag, commit, deployment };
}
