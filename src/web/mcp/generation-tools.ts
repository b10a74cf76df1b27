// describe_change: one request to Claude, followed to its end. The generation's own event stream (the one the UI
// replays) is read as it grows; its milestones — files written, the commit, the build, the deploy, fixes — go to
// the agent as MCP progress notifications, and the answer is the outcome: commit, preview URL, live or not.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { previewEnvironment } from '../../domain/environments.js';
import { environmentUrl } from '../../domain/host-for.js';
import { shortSha } from '../../domain/types.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import { NotFoundError } from '../../shared/errors.js';
import type { GenerationRecord } from '../../store/generations-store.js';
import { defineTool, ok, type McpToolContext, type ToolExtra, type ToolOutcome } from './define-tool.js';
import { appField, existingApp } from './mcp-inputs.js';

interface Followed {
  ended: boolean;
  end: Record<string, unknown> | null;
  errors: string[];
  commit: string | null;
  previewUrl: string | null;
}

export function registerGenerationTools(server: McpServer, ctx: McpToolContext): void {
  const { pipeline } = ctx;
  const { read } = pipeline;

  defineTool(server, ctx, {
    name: 'describe_change',
    title: 'Describe a change',
    description:
      "Ask Claude to change an app's code: it commits to main, the commit is built and deployed to the preview, and this returns the commit, the preview URL and whether it is live (progress is notified as it goes).",
    input: {
      app: appField,
      request: z.string().min(1).max(20_000).describe('What to change, in plain words, as you would ask a developer.'),
      waitSeconds: z
        .number()
        .int()
        .min(0)
        .max(1800)
        .optional()
        .describe('How long to wait for the outcome (default 900); past it the answer says "running" and get_generation tells the rest.'),
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    run: async (args, extra) => {
      const app = existingApp(read, args.app);
      const started = pipeline.generate(app, args.request, ctx.principal.actor);
      const followed = await followGeneration(read, started, extra, (args.waitSeconds ?? 900) * 1000);
      return generationOutcome(read, started.id, followed);
    },
  });

  defineTool(server, ctx, {
    name: 'get_generation',
    title: 'Show a generation',
    description: 'Show how a describe_change request went (status, commit, files, preview URL), e.g. after it answered "running".',
    input: { generationId: z.string().min(1).max(100).describe('The generationId describe_change returned.') },
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: async (args) => {
      const generation = read.store.generations.get(args.generationId);
      if (!generation) throw new NotFoundError(`no generation ${args.generationId}`);
      const followed = replay(read, generation.id);
      return generationOutcome(read, generation.id, followed);
    },
  });
}

/** Reads the stream from the start until `end`, the time limit or the client's cancel, notifying milestones. */
function followGeneration(read: Pick<PipelineReads, 'store' | 'events'>, gen: GenerationRecord, extra: ToolExtra, timeoutMs: number): Promise<Followed> {
  const followed: Followed = { ended: false, end: null, errors: [], commit: null, previewUrl: null };
  const token = extra._meta?.progressToken;
  let step = 0;
  let last = 0;
  // Notifications still being written when the stream ends must go out before the result: a client drops progress
  // that arrives after the answer to its request.
  const sending: Promise<void>[] = [];
  return new Promise((resolve) => {
    const finish = () => {
      stop();
      clearTimeout(timer);
      extra.signal.removeEventListener('abort', finish);
      void Promise.allSettled(sending).then(() => resolve(followed));
    };
    const pump = () => {
      for (const e of read.store.generations.events(gen.id, last)) {
        last = e.seq;
        absorb(followed, e.event, e.data);
        const message = milestone(e.event, e.data);
        if (message !== null && token !== undefined)
          sending.push(extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: ++step, message } }));
      }
      if (followed.ended) finish();
    };
    const stop = read.events.subscribe(gen.app, (e) => {
      if (e.type === 'generation' && e.generationId === gen.id) pump();
    });
    const timer = setTimeout(finish, timeoutMs);
    extra.signal.addEventListener('abort', finish);
    pump();
  });
}

function replay(read: Pick<PipelineReads, 'store'>, id: string): Followed {
  const followed: Followed = { ended: false, end: null, errors: [], commit: null, previewUrl: null };
  for (const e of read.store.generations.events(id)) absorb(followed, e.event, e.data);
  return followed;
}

function absorb(f: Followed, event: string, data: unknown): void {
  const d = (data ?? {}) as Record<string, unknown>;
  if (event === 'commit' && typeof d.commit === 'string') f.commit = d.commit;
  if (event === 'preview' && typeof d.url === 'string') f.previewUrl = d.url;
  if (event === 'error' && typeof d.message === 'string') f.errors.push(d.message);
  if (event === 'end') {
    f.ended = true;
    f.end = d;
  }
}

/** The progress line an agent sees for an event of the stream; null for the chatter (text deltas, log lines). */
export function milestone(event: string, data: unknown): string | null {
  const d = (data ?? {}) as Record<string, unknown>;
  switch (event) {
    case 'generation':
      return `asked ${String(d.model ?? 'Claude')}`;
    case 'file':
      return `${d.op === 'delete' ? 'deleted' : 'wrote'} ${String(d.path)}${d.op === 'delete' ? '' : ` (${String(d.bytes)} bytes)`}`;
    case 'retry':
      return `the model API asked to retry: ${String(d.reason)}`;
    case 'commit':
      return `committed ${shortSha(String(d.commit))} to main: ${String(d.summary ?? '')}`;
    case 'build':
      return `build ${String(d.status)}${d.error ? `: ${String(d.error)}` : ''}`;
    case 'deploy':
      return `preview deploy ${String(d.status)}${d.reason ? `: ${String(d.reason).split('\n')[0]}` : ''}`;
    case 'preview':
      return `preview is live at ${String(d.url)}`;
    case 'fix':
      return `the commit ${String(d.reason)}; asking Claude for a fix (${String(d.attempt)} of ${String(d.of)})`;
    case 'nothing':
      return `no change made: ${String(d.reason)}`;
    case 'error':
      return `error: ${String(d.message)}`;
    case 'end':
      return `done: ${String(d.status)}`;
    default:
      return null;
  }
}

function generationOutcome(read: Pick<PipelineReads, 'store' | 'config'>, id: string, f: Followed): ToolOutcome {
  const gen = read.store.generations.get(id)!;
  const preview = previewEnvironment(read.config.environments);
  const status = f.ended ? String(f.end?.status ?? gen.status) : 'running';
  const result = {
    generationId: id,
    status,
    live: status === 'live',
    commit: f.commit ?? gen.commit,
    summary: gen.summary,
    files: gen.files,
    previewUrl: f.previewUrl ?? (preview ? environmentUrl(read.config, preview, gen.app) : null),
    ...(typeof f.end?.message === 'string' ? { message: f.end.message } : {}),
    ...(f.errors.length ? { errors: f.errors } : {}),
    ...(f.ended ? {} : { message: 'still running: call get_generation with this generationId for the outcome' }),
  };
  if (status === 'failed') return { result, failure: `the change failed: ${f.errors.at(-1) ?? gen.error ?? 'see errors'}` };
  return ok(result);
}
