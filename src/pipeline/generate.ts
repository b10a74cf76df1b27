// Describe → Claude → commit → preview. A generation runs the model over the app's files at main's head, lands
// its changes as one commit on main (compare-and-swap; rebased over a concurrent push when files don't overlap),
// then follows that commit through the same pipeline as a push. When the commit fails to build or to get
// healthy, the failure goes back to the model for at most SLIPWAY_FIX_ATTEMPTS fix commits.
// Every step is appended to the generation's event stream, which clients replay from the start.
import { join } from 'node:path';
import { loadPrompt } from '../codegen/load-prompt.js';
import type { GenerationEvent, PastExchange } from '../codegen/run-generation.js';
import { NO_API_KEY_MESSAGE } from '../codegen/no-api-key.js';
import { shortSha } from '../domain/types.js';
import { commitChanges, type FileChange } from '../git/commit-changes.js';
import { createTreeSource } from '../git/create-tree-source.js';
import { resolveRef } from '../git/read-refs.js';
import { repoPath } from '../git/repo-path.js';
import { ConflictError, InvalidInputError, NotFoundError, SlipwayError, messageOf } from '../shared/errors.js';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { GenerationRecord } from '../store/generations-store.js';
import { environmentUrl } from '../domain/host-for.js';
import { environmentFollowing, MAIN_REF } from '../domain/environments.js';
import { recordRefUpdates } from './record-ref-updates.js';
import type { WorkTracker } from './work-tracker.js';
import type { PipelineDeps } from './deps.js';
import type { Reconciler } from './reconciler.js';
import { waitForDeployment } from './wait-for-deployment.js';

export const CLAUDE = { name: 'Claude', email: 'claude@slipway.local' } as const;
const MAX_PROMPT = 20_000;

/**
 * Appends to the root generation's stream (fixes stream into the request that started them) and notifies; the
 * stream's `end` is also announced as `generation-finished` (what webhooks deliver).
 */
function emitter(deps: Pick<PipelineDeps, 'store' | 'events'>, rootId: string, app: string) {
  return (event: string, data: unknown) => {
    const seq = deps.store.generations.appendEvent(rootId, event, data);
    deps.events.emit({ type: 'generation', app, generationId: rootId, seq });
    if (event === 'end') emitFinished(deps, rootId, app, data as { status?: string; url?: string; message?: string });
  };
}

function emitFinished(
  deps: Pick<PipelineDeps, 'store' | 'events'>,
  rootId: string,
  app: string,
  end: { status?: string; url?: string; message?: string },
): void {
  // The request and its fixes, in order: the last one that committed is what the generation ended with.
  const chain = new Set([rootId]);
  for (const g of deps.store.generations.list(app, 50).reverse()) if (g.parentId && chain.has(g.parentId)) chain.add(g.id);
  const made = [...chain].map((id) => deps.store.generations.get(id)).filter((g) => g?.commit);
  const last = made.at(-1);
  deps.events.emit({
    type: 'generation-finished',
    app,
    generationId: rootId,
    status: end.status ?? 'failed',
    commit: last?.commit ?? null,
    summary: last?.summary ?? null,
    ...(end.url ? { url: end.url } : {}),
    ...(end.message ? { message: end.message } : {}),
  });
}

export function checkCanGenerate(deps: Pick<PipelineDeps, 'config' | 'store'>, app: string): void {
  if (!deps.store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  if (!deps.config.codegen.apiKey) throw new SlipwayError('NO_API_KEY', NO_API_KEY_MESSAGE);
  const running = deps.store.generations.running(app);
  if (running) throw new ConflictError(`a generation is already running for ${app} (${running.id}); wait for it to finish`);
}

export function startGeneration(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events' | 'log'>,
  reconciler: Reconciler,
  work: WorkTracker,
  app: string,
  prompt: unknown,
  by: string,
): GenerationRecord {
  work.checkOpen();
  if (typeof prompt !== 'string' || prompt.trim() === '') throw new InvalidInputError('describe what you want: the prompt is empty');
  if (prompt.length > MAX_PROMPT) throw new InvalidInputError(`a prompt has at most ${MAX_PROMPT} characters`);
  checkCanGenerate(deps, app);
  const gen = deps.store.generations.create({ app, kind: 'request', prompt: prompt.trim(), requestedBy: by, model: deps.config.codegen.model });
  const emit = emitter(deps, gen.id, app);
  emit('generation', { id: gen.id, app, prompt: gen.prompt, model: gen.model });
  const flow = runFlow(deps, reconciler, work.signal, gen, gen.id, deps.config.codegen.fixAttempts).catch((e: unknown) => {
    deps.log.error('generation crashed', { id: gen.id, error: messageOf(e) });
    deps.store.generations.update(gen.id, { status: 'failed', errorCode: 'INTERNAL', error: messageOf(e), finishedAt: new Date().toISOString() });
    emit('error', { code: 'INTERNAL', message: 'Slipway failed while running this generation (see the server log)' });
    emit('end', { status: 'failed' });
  });
  void work.track(flow);
  return gen;
}

function history(deps: Pick<PipelineDeps, 'store'>, app: string, excluding: string): PastExchange[] {
  return deps.store.generations
    .list(app, 20)
    .filter((g) => g.id !== excluding && g.status !== 'running')
    .reverse()
    .map((g) => ({
      request: g.prompt,
      summary: g.summary,
      text: g.text,
      files: g.files,
      commit: g.commit,
      outcome: g.error ?? (g.status === 'nothing' ? 'no changes' : null),
    }));
}

async function runFlow(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events' | 'log'>,
  reconciler: Reconciler,
  signal: AbortSignal,
  gen: GenerationRecord,
  rootId: string,
  fixesLeft: number,
): Promise<void> {
  const emit = emitter(deps, rootId, gen.app);
  const made = await generateAndCommit(deps, gen, emit, signal);
  if (!made) return emit('end', { status: deps.store.generations.get(gen.id)?.status ?? 'failed' });
  const { commit } = made;
  const outcome = await followPreview(deps, reconciler, gen, made, emit, signal);
  if (outcome.kind === 'live') {
    deps.store.generations.update(gen.id, { status: 'live' });
    return emit('end', { status: 'live', url: outcome.url });
  }
  if (outcome.kind === 'superseded') return emit('end', { status: 'committed', message: 'a newer commit on main took over the preview' });
  if (outcome.kind === 'retry')
    return emit('end', { status: 'committed', message: `the deploy did not finish (${outcome.reason}); Slipway tries again by itself` });
  if (fixesLeft <= 0) {
    emit('error', {
      code: 'FIX_BUDGET_SPENT',
      message: `the commit ${shortSha(commit)} ${outcome.what}; no fix attempts are left (SLIPWAY_FIX_ATTEMPTS), so the preview keeps what it served before. Describe a fix, or revert this generation.`,
    });
    return emit('end', { status: 'failed' });
  }
  const fix = deps.store.generations.create({
    app: gen.app,
    kind: 'fix',
    parentId: gen.id,
    prompt: `The commit ${shortSha(commit)} ${outcome.what}. Fix it with the smallest change.\n\n${outcome.detail}`,
    requestedBy: 'slipway',
    model: gen.model,
  });
  emit('fix', { generationId: fix.id, attempt: deps.config.codegen.fixAttempts - fixesLeft + 1, of: deps.config.codegen.fixAttempts, reason: outcome.what });
  await runFlow(deps, reconciler, signal, fix, rootId, fixesLeft - 1);
}

/** Runs the model and commits what it wrote; null when nothing was committed (the stream says why). */
async function generateAndCommit(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'log'>,
  gen: GenerationRecord,
  emit: (event: string, data: unknown) => void,
  signal: AbortSignal,
): Promise<{ commit: string; parent: string } | null> {
  const { config, store } = deps;
  const gitdir = repoPath(config.dataDir, gen.app);
  const app = store.apps.get(gen.app)!;
  const base = await resolveRef(gitdir, MAIN_REF);
  if (!base) throw new ConflictError('main does not exist');
  let text = '';
  // The Anthropic SDK loads at the first generation, not with the server (ARCHITECTURE.md, "Build queue and memory").
  const { runGeneration } = await import('../codegen/run-generation.js');
  const result = await runGeneration({
    settings: { ...config.codegen, apiKey: config.codegen.apiKey },
    systemPrompt: await loadPrompt(join(config.projectRoot, 'prompts'), app.template),
    history: history(deps, gen.app, gen.id),
    prompt: gen.prompt,
    source: createTreeSource(gitdir, base),
    onEvent: (e: GenerationEvent) => {
      if (e.type === 'text') text += e.delta;
      emit(e.type, e);
    },
    logger: deps.log.child('codegen'),
    signal,
  });
  const finished = new Date().toISOString();
  const usage = result.usage as unknown as Record<string, number>;
  if (result.status === 'nothing') {
    store.generations.update(gen.id, { status: 'nothing', text: result.text, usage, error: result.reason, finishedAt: finished });
    emit('nothing', { reason: result.reason });
    return null;
  }
  if (result.status === 'failed') {
    store.generations.update(gen.id, {
      status: 'failed',
      text: result.text || text,
      usage,
      errorCode: result.code,
      error: result.message,
      finishedAt: finished,
    });
    emit('error', { code: result.code, message: result.message });
    return null;
  }
  const files = result.changes.map((c) => c.path);
  const request = gen.kind === 'fix' ? (gen.prompt.split('\n')[0] ?? '') : gen.prompt;
  // The trailers are what rebuilding from the repos reads back (src/git/read-generation-commits.ts).
  const message =
    `${result.summary}\n\n${request}\n\nGenerated-By: ${gen.model}\nSlipway-Generation: ${gen.id}\n` +
    (gen.kind === 'fix' && gen.parentId ? `Slipway-Fix-Of: ${gen.parentId}\n` : '') +
    (gen.requestedBy ? `Slipway-Requested-By: ${oneLine(gen.requestedBy)}\n` : '');
  try {
    const { commit, rebasedOnto } = await commitChanges({
      gitdir,
      ref: MAIN_REF,
      base,
      changes: result.changes as FileChange[],
      message,
      author: CLAUDE,
    });
    store.generations.update(gen.id, { status: 'committed', summary: result.summary, text: result.text, files, usage, commit, finishedAt: finished });
    emit('commit', { commit, summary: result.summary, files, rebasedOnto, kind: gen.kind });
    return { commit, parent: rebasedOnto ?? base };
  } catch (e) {
    store.generations.update(gen.id, {
      status: 'failed',
      summary: result.summary,
      text: result.text,
      files,
      usage,
      errorCode: 'COMMIT_CONFLICT',
      error: messageOf(e),
      finishedAt: finished,
    });
    emit('error', { code: 'COMMIT_CONFLICT', message: messageOf(e) });
    return null;
  }
}

type PreviewOutcome =
  | { kind: 'live'; url: string }
  | { kind: 'superseded' }
  /** Not the code's fault (Docker down, a pull that failed on DNS, a shutdown): Slipway retries, the model is not asked. */
  | { kind: 'retry'; reason: string }
  | { kind: 'broken'; what: string; detail: string };

/** Sends the commit through the pipeline like a push to main and reports its build and deploy. */
async function followPreview(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events'>,
  reconciler: Reconciler,
  gen: GenerationRecord,
  { commit, parent }: { commit: string; parent: string },
  emit: (event: string, data: unknown) => void,
  signal: AbortSignal,
): Promise<PreviewOutcome> {
  const { store, config } = deps;
  const env = environmentFollowing(config.environments, MAIN_REF);
  if (!env) return { kind: 'superseded' };
  // The server moved main itself, so no hook ran: record the update as a push would have.
  const [update] = await recordRefUpdates(deps, gen.app, [{ ref: env.ref, oldSha: parent, newSha: commit }], { by: 'claude', trigger: 'generation' });
  const deployment = update?.deployment;
  if (!update || !deployment) return { kind: 'superseded' };
  const stop = deps.events.subscribe(gen.app, (e) => {
    if (e.type === 'build' && e.commit === commit) emit('build', { status: e.status, buildId: e.buildId, error: e.error });
    else if (e.type === 'build-line' && deps.store.builds.get(e.buildId)?.commit === commit) emit('build-line', { line: e.line });
    else if (e.type === 'deployment' && e.deploymentId === deployment.id) emit('deploy', { status: e.status, reason: e.reason, url: e.url });
    else if (e.type === 'deploy-line' && e.deploymentId === deployment.id) emit('deploy-line', { line: e.line });
  });
  try {
    void reconciler.wake(gen.app);
    const done = await waitForDeployment(deps, deployment.id, 15 * 60_000, signal);
    store.refUpdates.markProcessed(update.id, `${env.name}: ${done.status} ${shortSha(commit)}`);
    if (done.status === 'live') {
      const url = environmentUrl(config, env, gen.app);
      emit('preview', { url, commit });
      return { kind: 'live', url };
    }
    if (done.status !== 'failed') return { kind: 'superseded' };
    // Docker down, a pull that failed on DNS, a shutdown: not the code's fault, so not the model's to fix.
    if (!done.needsPerson) return { kind: 'retry', reason: (done.reason ?? '').split('\n')[0] ?? '' };
    const build = done.buildId ? store.builds.get(done.buildId) : undefined;
    if (build?.status === 'failed') return { kind: 'broken', what: 'failed to build', detail: `The build log ends with:\n${logTail(build.logPath, 40)}` };
    return { kind: 'broken', what: 'built, but its container never answered the health check', detail: `What happened:\n${done.reason ?? ''}` };
  } finally {
    stop();
  }
}

const TAIL_BYTES = 64 * 1024;

function logTail(path: string, lines: number): string {
  try {
    // Only the file's end is read (a log may be many megabytes): enough bytes for the lines asked.
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, TAIL_BYTES);
      const buf = Buffer.alloc(length);
      readSync(fd, buf, 0, length, size - length);
      return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '(the log could not be read)';
  }
}

/** A trailer's value is one line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
