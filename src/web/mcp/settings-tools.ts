// MCP tools that change how an app runs without a commit: a secret (its value is never echoed, in results or
// errors) and a one-off run of a scheduled job, waited for so the agent sees its exit code and output.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import type { JobRunRecord } from '../../store/job-runs-store.js';
import { jobRunAnswer } from '../api-records.js';
import { defineTool, ok, type McpToolContext } from './define-tool.js';
import { appField, environmentField, existingApp, knownEnvironment } from './mcp-inputs.js';
import { readLogText } from './read-log-text.js';

export function registerSettingsTools(server: McpServer, ctx: McpToolContext): void {
  const { pipeline } = ctx;
  const { read } = pipeline;

  defineTool(server, ctx, {
    name: 'set_secret',
    title: 'Set a secret',
    description: "Set a secret environment variable of an app's environment (value stored outside git, never shown again); the environment restarts with it.",
    input: {
      app: appField,
      environment: environmentField,
      name: z.string().min(1).max(200).describe('Variable name: letters, digits and "_", not starting with a digit (e.g. STRIPE_KEY).'),
      value: z.string().describe('The secret value (at most 64 KiB); it is never echoed back.'),
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: async (args) => {
      const app = existingApp(read, args.app);
      const environment = knownEnvironment(read, args.environment);
      await pipeline.secrets.set(app, environment, args.name, args.value, ctx.principal.actor);
      return ok({ app, environment, name: args.name, set: true, names: pipeline.secrets.names(app, environment) });
    },
  });

  defineTool(server, ctx, {
    name: 'run_job',
    title: 'Run a scheduled job now',
    description: "Run a scheduled-job app's job once now, outside its schedule, and wait for it (up to waitSeconds): exit code and the end of its output.",
    input: {
      app: appField,
      environment: environmentField,
      waitSeconds: z.number().int().min(0).max(600).optional().describe('How long to wait for the run to end (default 60).'),
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    run: async (args, extra) => {
      const app = existingApp(read, args.app);
      const started = await pipeline.runJob(app, knownEnvironment(read, args.environment), ctx.principal.actor);
      const run = await waitForRun(read, started, (args.waitSeconds ?? 60) * 1000, extra.signal);
      const log = readLogText(run.logPath, { lines: 100, whole: false });
      const result = { run: jobRunAnswer(run), log };
      return run.status === 'failed' ? { result, failure: `the job exited with ${String(run.exitCode)}` } : ok(result);
    },
  });
}

function waitForRun(read: Pick<PipelineReads, 'store' | 'events'>, run: JobRunRecord, timeoutMs: number, signal: AbortSignal): Promise<JobRunRecord> {
  const current = () => read.store.jobRuns.get(run.id) ?? run;
  return new Promise((resolve) => {
    const done = () => {
      stop();
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve(current());
    };
    const stop = read.events.subscribe(run.app, (e) => {
      if (e.type === 'job-run' && e.runId === run.id && e.status !== 'running') done();
    });
    const timer = setTimeout(done, timeoutMs);
    signal.addEventListener('abort', done);
    if (current().status !== 'running' || signal.aborted) done();
  });
}
