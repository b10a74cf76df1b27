// MCP tools for production: the releases, what publish or rollback would change (the same plan the UI's confirm
// page shows and that they apply), and the moves themselves, which wait until production is live again.
import { releaseAnswer } from '../api-records.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { productionEnvironment } from '../../domain/environments.js';
import { environmentUrl } from '../../domain/host-for.js';
import type { ReleaseResult } from '../../pipeline/release.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { defineTool, ok, type McpToolContext, type ToolOutcome } from './define-tool.js';
import { appField, existingApp } from './mcp-inputs.js';

const waitField = z
  .number()
  .int()
  .min(0)
  .max(600)
  .optional()
  .describe('How long to wait for production to be live (default 120); past it the status says where it is.');

export function registerReleaseTools(server: McpServer, ctx: McpToolContext): void {
  const { pipeline, principal } = ctx;
  const { read } = pipeline;

  defineTool(server, ctx, {
    name: 'list_releases',
    title: 'List releases',
    description: 'List the releases (tags v1, v2, …) newest first, with commit, subject, build status and which one production runs.',
    input: { app: appField },
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: async (args) => {
      const choices = await pipeline.rollbackChoices(existingApp(read, args.app));
      return ok({
        releases: choices.map(releaseAnswer),
      });
    },
  });

  defineTool(server, ctx, {
    name: 'release_plan',
    title: 'Plan a publish or rollback',
    description: 'Show what publish or rollback would change in production, without doing it: target commit, tag, commits in and out, diff stat, blockers.',
    input: {
      app: appField,
      action: z
        .enum(['publish', 'rollback'])
        .describe('publish (default target: what preview runs) or rollback (default: the release before the current one).'),
      to: z.string().max(200).optional().describe('Target commit sha, tag or branch (default as above).'),
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: async (args) => {
      const { plan } = await pipeline.releasePlan(existingApp(read, args.app), args.action, args.to ? { to: args.to } : {});
      return ok({ plan });
    },
  });

  defineTool(server, ctx, {
    name: 'publish',
    title: 'Publish to production',
    description: 'Publish a commit that preview already built (default: what preview runs) to production, tagging the next release; waits until it is live.',
    input: {
      app: appField,
      commit: z.string().max(200).optional().describe('Commit sha, tag or branch to publish (default: what preview runs).'),
      waitSeconds: waitField,
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: async (args) => {
      const app = existingApp(read, args.app);
      const result = await pipeline.publish(app, {
        ...(args.commit ? { commit: args.commit } : {}),
        by: principal.actor,
        waitMs: (args.waitSeconds ?? 120) * 1000,
      });
      return releaseOutcome(read, app, result);
    },
  });

  defineTool(server, ctx, {
    name: 'rollback',
    title: 'Roll production back',
    description:
      'Move production back to an earlier release or commit (default: the release before the current one) without rebuilding; waits until it is live.',
    input: {
      app: appField,
      to: z.string().max(200).optional().describe('Release tag or commit to go back to (default: the previous release).'),
      waitSeconds: waitField,
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: async (args) => {
      const app = existingApp(read, args.app);
      const result = await pipeline.rollback(app, { ...(args.to ? { to: args.to } : {}), by: principal.actor, waitMs: (args.waitSeconds ?? 120) * 1000 });
      return releaseOutcome(read, app, result);
    },
  });
}

function releaseOutcome(read: Pick<PipelineReads, 'config'>, app: string, r: ReleaseResult): ToolOutcome {
  const prod = productionEnvironment(read.config.environments);
  const d = r.deployment;
  const result = {
    action: r.action,
    tag: r.tag,
    commit: r.commit,
    environment: d.environment,
    status: d.status,
    live: d.status === 'live',
    url: prod ? environmentUrl(read.config, prod, app) : null,
    deploymentId: d.id,
    ...(d.reason ? { reason: d.reason } : {}),
    ...(r.rebuild ? { rebuild: r.rebuild } : {}),
  };
  if (d.status === 'failed') return { result, failure: `${r.action} failed: ${(d.reason ?? 'see get_deploy_log').split('\n')[0]}` };
  return ok(result);
}
