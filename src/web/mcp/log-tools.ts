// MCP tools for logs: a build's output, a deployment's progress, and what an environment's container or pod prints.
// Stored logs are read from their files (tail or whole); a log retention removed says so instead of being empty.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { removedLogNote } from '../../domain/plan-retention.js';
import { resolveCommitish } from '../../git/resolve-commitish.js';
import { repoPath } from '../../git/repo-path.js';
import { NotFoundError } from '../../shared/errors.js';
import { buildAnswer, deploymentAnswer } from '../api-records.js';
import { defineTool, ok, type McpToolContext } from './define-tool.js';
import { appField, environmentField, existingApp, knownEnvironment, linesField, wholeField } from './mcp-inputs.js';
import { readLogText } from './read-log-text.js';

export function registerLogTools(server: McpServer, ctx: McpToolContext): void {
  const { pipeline } = ctx;
  const { read } = pipeline;
  const logOf = (record: { logPath: string; logRemovedAt: string | null }, args: { lines?: number | undefined; whole?: boolean | undefined }) =>
    record.logRemovedAt
      ? { text: '', lines: 0, truncated: false, removed: removedLogNote(record.logRemovedAt, read.config.retention.keepLogs) }
      : readLogText(record.logPath, { lines: args.lines ?? 200, whole: args.whole ?? false });

  defineTool(server, ctx, {
    name: 'get_build_log',
    title: 'Read a build log',
    description: "Read a build's output (the image build of one commit): by build id, by commit, or the app's newest build; last lines or whole.",
    input: {
      app: appField,
      build: z.string().max(100).optional().describe('A build id (from get_app or get_history); default: the newest build of commit, or of the app.'),
      commit: z.string().max(200).optional().describe('A commit sha, tag or branch whose newest build to read.'),
      lines: linesField,
      whole: wholeField,
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: async (args) => {
      const app = existingApp(read, args.app);
      let build;
      if (args.build) build = read.store.builds.get(args.build);
      else if (args.commit) build = read.store.builds.latestFor(app, await resolveCommitish(repoPath(read.config.dataDir, app), args.commit));
      else build = read.store.builds.list(app, 1)[0];
      if (!build || build.app !== app) throw new NotFoundError(args.build ? `no build ${args.build} of ${app}` : `no build of ${app} yet`);
      return ok({ build: buildAnswer(build), log: logOf(build, args) });
    },
  });

  defineTool(server, ctx, {
    name: 'get_deploy_log',
    title: 'Read a deployment log',
    description:
      "Read a deployment's progress log (health checks, the switch, why it failed): by deployment id or an environment's newest; last lines or whole.",
    input: {
      app: appField,
      deployment: z.string().max(100).optional().describe('A deployment id (from get_app); default: the newest deployment of environment.'),
      environment: environmentField,
      lines: linesField,
      whole: wholeField,
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: async (args) => {
      const app = existingApp(read, args.app);
      const d = args.deployment ? read.store.deployments.get(args.deployment) : read.store.deployments.latest(app, knownEnvironment(read, args.environment));
      if (!d || d.app !== app) throw new NotFoundError(args.deployment ? `no deployment ${args.deployment} of ${app}` : `no deployment of ${app} there yet`);
      return ok({ deployment: deploymentAnswer(d), log: logOf(d, args) });
    },
  });

  defineTool(server, ctx, {
    name: 'get_runtime_logs',
    title: 'Read runtime logs',
    description: "Read the last lines the app's running container (or pod) printed in an environment: requests, errors, stack traces.",
    input: { app: appField, environment: environmentField, lines: linesField },
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: async (args, extra) => {
      const app = existingApp(read, args.app);
      const environment = knownEnvironment(read, args.environment);
      const lines: string[] = [];
      for await (const line of pipeline.runtimeLogs(app, environment, { tail: args.lines ?? 200, follow: false }, extra.signal)) lines.push(line);
      return ok({ app, environment, lines: lines.length, text: lines.join('\n') });
    },
  });
}
