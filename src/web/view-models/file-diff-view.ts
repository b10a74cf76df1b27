// One file of a diff on a page of its own: where a large diff's file list sends a file whose patch was not on
// the diff's page. The commits are full ids (the list's form carries them) and the path must be one the diff
// changes.
import { readCommits } from '../../git/read-commits.js';
import { readFilePatch } from '../../git/read-file-patch.js';
import { repoPath } from '../../git/repo-path.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
import { diffView, type DiffLayout, type DiffView } from './diff-view.js';

export interface FileDiffView {
  app: string;
  path: string;
  from: { sha: string; short: string; href: string } | null;
  to: { sha: string; short: string; href: string };
  /** The whole diff this file belongs to. */
  backHref: string;
  diff: DiffView;
}

const FULL_SHA = /^[0-9a-f]{40}$/;

export async function fileDiffView(
  deps: Pick<PipelineReads, 'config' | 'store'>,
  app: string,
  query: { from: string; to: string; path: string },
  layout: DiffLayout,
): Promise<FileDiffView> {
  if (!deps.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  const from = query.from === '' ? null : query.from;
  if (!FULL_SHA.test(query.to) || (from !== null && !FULL_SHA.test(from))) throw new InvalidInputError('from and to are full 40-character commit ids');
  const gitdir = repoPath(deps.config.dataDir, app);
  const known = await readCommits(gitdir, from ? [from, query.to] : [query.to]);
  for (const sha of [from, query.to]) if (sha && !known.has(sha)) throw new NotFoundError(`no commit ${sha.slice(0, 12)} in this app`);
  const { file, patch } = await readFilePatch(gitdir, from, query.to, query.path);
  const side = (sha: string) => ({ sha, short: sha.slice(0, 12), href: `/apps/${app}/commits/${sha}` });
  return {
    app,
    path: file.path,
    from: from ? side(from) : null,
    to: side(query.to),
    backHref: from
      ? `/apps/${app}/compare?${new URLSearchParams({ from, to: query.to, ...(layout === 'split' ? { view: 'split' } : {}) }).toString()}`
      : `/apps/${app}/commits/${query.to}`,
    diff: diffView([file], patch, layout, { app, from, to: query.to }),
  };
}
