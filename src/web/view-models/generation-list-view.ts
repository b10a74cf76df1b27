// The app's conversation with Claude, newest first: each request with its outcome and commit, revertable
// while nothing reverted it.
import { shortSha } from '../../domain/types.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { statusView, type StatusView } from './status-view.js';

export interface GenerationItemView {
  id: string;
  kind: string;
  prompt: string;
  summary: string | null;
  status: StatusView;
  commit: { sha: string; short: string; href: string } | null;
  createdAt: string;
  error: string | null;
  revertable: boolean;
  revertedBy: string | null;
  streamUrl: string;
}

export function generationList(read: Pick<PipelineReads, 'store'>, app: string, limit = 30): GenerationItemView[] {
  return read.store.generations
    .list(app, limit)
    .filter((g) => g.kind !== 'fix')
    .map((g) => ({
      id: g.id,
      kind: g.kind,
      prompt: g.prompt,
      summary: g.summary,
      status: statusView(g.status),
      commit: g.commit ? { sha: g.commit, short: shortSha(g.commit), href: `/apps/${app}/commits/${g.commit}` } : null,
      createdAt: g.createdAt,
      error: g.error,
      revertable: g.commit !== null && g.revertedBy === null && g.kind !== 'revert' && g.status !== 'running',
      revertedBy: g.revertedBy,
      streamUrl: `/api/generations/${g.id}/events`,
    }));
}
