// MCP tools for the history: the commits of main and prod, newest first, with markers (branches, releases, what
// each environment runs) and Claude's requests; and the diff of one commit or between two (bounded, as in the UI).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { readChangeSet } from '../../git/read-change-set.js';
import { readCommitPatch } from '../../git/read-commit-patch.js';
import { repoPath } from '../../git/repo-path.js';
import { resolveCommitish } from '../../git/resolve-commitish.js';
import { InvalidInputError } from '../../shared/errors.js';
import { historyView } from '../view-models/history-view.js';
import { defineTool, ok, type McpToolContext } from './define-tool.js';
import { appField, existingApp } from './mcp-inputs.js';

export function registerHistoryTools(server: McpServer, ctx: McpToolContext): void {
  const { read } = ctx.pipeline;

  defineTool(server, ctx, {
    name: 'get_history',
    title: 'Read the history',
    description: 'List commits of main and prod, newest first, 50 a page: author, subject, Claude request, build status, release and environment markers.',
    input: { app: appField, page: z.number().int().min(1).max(100_000).optional().describe('Page number from 1 (default 1).') },
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: async (args) => {
      const view = await historyView(read, existingApp(read, args.app), args.page ?? 1);
      return ok({
        app: view.app,
        page: view.page,
        pages: view.pages,
        total: view.total,
        commits: view.rows.map((r) => ({
          sha: r.sha,
          short: r.short,
          subject: r.subject,
          author: r.authorName,
          authoredAt: r.authoredAt,
          byClaude: r.isClaude,
          request: r.request,
          build: r.build.status,
          markers: r.markers.map((m) => `${m.kind}:${m.label}`),
        })),
      });
    },
  });

  defineTool(server, ctx, {
    name: 'get_diff',
    title: 'Read a diff',
    description:
      'Show what a commit changed (commit), or what differs between two commits, tags or branches (from and to): files with line counts and the patch.',
    input: {
      app: appField,
      commit: z.string().max(200).optional().describe('One commit (sha, tag or branch): its change against its parent.'),
      from: z.string().max(200).optional().describe('Compare from this commit, tag or branch…'),
      to: z.string().max(200).optional().describe('…to this one.'),
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: async (args) => {
      const app = existingApp(read, args.app);
      const gitdir = repoPath(read.config.dataDir, app);
      if (args.commit && !args.from && !args.to) {
        const c = await readCommitPatch(gitdir, await resolveCommitish(gitdir, args.commit));
        return ok({
          commit: { sha: c.commit.sha, subject: c.commit.subject, body: c.commit.body, author: c.commit.authorName },
          files: c.files,
          patch: c.patch,
        });
      }
      if (args.commit || !args.from || !args.to) throw new InvalidInputError('give either commit, or both from and to');
      const [from, to] = await Promise.all([resolveCommitish(gitdir, args.from), resolveCommitish(gitdir, args.to)]);
      const change = await readChangeSet(gitdir, from, to, { commitLimit: 50 });
      return ok({
        from,
        to,
        commitsIn: change.added.map((c) => ({ sha: c.sha, subject: c.subject })),
        commitsInTotal: change.addedTotal,
        commitsOut: change.removed.map((c) => ({ sha: c.sha, subject: c.subject })),
        commitsOutTotal: change.removedTotal,
        files: change.files,
        patch: change.patch,
      });
    },
  });
}
