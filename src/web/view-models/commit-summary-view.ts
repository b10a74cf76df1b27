// A commit as a line of the UI: subject, author, and, for Claude's commits, the request that produced it (from
// the Slipway-Generation trailer to the generation's prompt).
import { shortSha } from '../../domain/types.js';
import type { CommitInfo } from '../../git/read-commits.js';
import { CLAUDE } from '../../pipeline/generate.js';
import type { ReadStore } from '../../store/read-store.js';

export interface CommitSummaryView {
  sha: string;
  short: string;
  href: string;
  subject: string;
  authorName: string;
  authoredAt: string;
  isClaude: boolean;
  /** What the person asked Claude for (a fix: the request it fixed). */
  request: { generationId: string; prompt: string; kind: string } | null;
}

export function commitSummaryView(app: string, commit: CommitInfo, store: Pick<ReadStore, 'generations'>): CommitSummaryView {
  return {
    sha: commit.sha,
    short: shortSha(commit.sha),
    href: `/apps/${app}/commits/${commit.sha}`,
    subject: commit.subject,
    authorName: commit.authorName,
    authoredAt: commit.authoredAt,
    isClaude: commit.authorEmail === CLAUDE.email,
    request: requestOf(store, commit.generationId),
  };
}

function requestOf(store: Pick<ReadStore, 'generations'>, generationId: string | null): CommitSummaryView['request'] {
  if (!generationId) return null;
  const g = store.generations.get(generationId);
  if (!g) return null;
  if (g.kind === 'fix' && g.parentId) {
    const parent = store.generations.get(g.parentId);
    if (parent) return { generationId: parent.id, prompt: parent.prompt, kind: 'fix' };
  }
  return { generationId: g.id, prompt: g.prompt, kind: g.kind };
}
