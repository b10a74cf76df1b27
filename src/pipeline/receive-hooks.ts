// The server side of the git hooks: policy before refs move (pre-receive), durable intake after (post-receive),
// and the pipeline's progress streamed back to the pusher.
import { parseAppName } from '../domain/app-name.js';
import { checkRefUpdate, classifyRefUpdate, type RefUpdate } from '../domain/classify-ref.js';
import { isSha, shortSha, ZERO_SHA } from '../domain/types.js';
import { InvalidInputError, NotFoundError, messageOf } from '../shared/errors.js';
import type { RefUpdateRecord } from '../store/ref-updates-store.js';
import { environmentUrl } from './app-view.js';
import type { PipelineDeps } from './deps.js';
import { logPath } from './log-paths.js';
import type { PipelineEvent } from './pipeline-events.js';
import type { Reconciler } from './reconciler.js';
import { publish } from './publish.js';

export interface HookInput {
  app: string;
  updates: RefUpdate[];
  pushOptions: string[];
  pusher: string;
}

/** Where hook output goes; each line reaches the pusher as `remote: …`. */
export type Say = (line: string) => void;

export function parseHookInput(body: unknown): HookInput {
  const b = body as Partial<Record<keyof HookInput, unknown>> | null;
  if (!b || typeof b !== 'object') throw new InvalidInputError('expected a JSON hook body');
  const app = parseAppName(b.app);
  if (!Array.isArray(b.updates) || b.updates.length === 0 || b.updates.length > 1000) throw new InvalidInputError('expected 1–1000 ref updates');
  const updates = b.updates.map((u: unknown) => {
    const x = u as Partial<Record<keyof RefUpdate, unknown>>;
    if (
      typeof x.ref !== 'string' ||
      !x.ref.startsWith('refs/') ||
      typeof x.oldSha !== 'string' ||
      typeof x.newSha !== 'string' ||
      !isSha(x.oldSha) ||
      !isSha(x.newSha)
    ) {
      throw new InvalidInputError('malformed ref update');
    }
    return { ref: x.ref, oldSha: x.oldSha, newSha: x.newSha };
  });
  const pushOptions = Array.isArray(b.pushOptions) ? b.pushOptions.filter((o): o is string => typeof o === 'string').slice(0, 20) : [];
  return { app, updates, pushOptions, pusher: typeof b.pusher === 'string' ? b.pusher.slice(0, 100) : '' };
}

/** Returns whether the push may go on; refusals are said with their reason. */
export function preReceive(deps: PipelineDeps, input: HookInput, say: Say): boolean {
  if (!deps.store.apps.get(input.app)) throw new NotFoundError(`no app named ${input.app}`);
  let ok = true;
  for (const update of input.updates) {
    const verdict = checkRefUpdate(update, deps.config.environments);
    if (!verdict.ok) {
      say(`refused ${update.ref}: ${verdict.reason}`);
      ok = false;
      continue;
    }
    const c = classifyRefUpdate(update, deps.config.environments);
    if (c.kind === 'publish' || c.kind === 'production-move') {
      const build = deps.store.builds.latestFor(input.app, update.newSha);
      if (build?.status === 'failed' && build.needsPerson) {
        say(`refused ${update.ref}: commit ${shortSha(update.newSha)} cannot go to production because its build failed:`);
        say(`  ${(build.error ?? '').split('\n')[0]}`);
        ok = false;
      }
    }
  }
  return ok;
}

/**
 * Whether preReceive accepts these updates whatever happens meanwhile: each verdict depends on the ref alone, no
 * build record is consulted (so not for publishing or moving production). The git bridge checks this before
 * receive-pack runs and spares the pre-receive hook its process start-up; anything else goes through the hook.
 */
export function acceptsWithoutHook(deps: PipelineDeps, input: Pick<HookInput, 'app' | 'updates'>): boolean {
  if (!deps.store.apps.get(input.app)) return false;
  return input.updates.every((update) => {
    if (!checkRefUpdate(update, deps.config.environments).ok) return false;
    const { kind } = classifyRefUpdate(update, deps.config.environments);
    return kind !== 'publish' && kind !== 'production-move';
  });
}

/** Records every ref update (committed before anything else), then runs the pipeline and reports on it. */
export async function postReceive(deps: PipelineDeps, reconciler: Reconciler, input: HookInput, say: Say): Promise<void> {
  if (!deps.store.apps.get(input.app)) throw new NotFoundError(`no app named ${input.app}`);
  const { config, store } = deps;
  const records = store.refUpdates.record(
    input.updates.map((u) => {
      const c = classifyRefUpdate(u, config.environments);
      return {
        app: input.app,
        ...u,
        kind: c.kind,
        environment: c.kind === 'ignore' ? null : c.environment,
        pusher: input.pusher,
        pushOptions: input.pushOptions,
      };
    }),
  );
  // Queued deployments show up at once in history; a newer push supersedes them.
  const watched = new Map<string, string>(); // environment → commit this push asks for
  for (const r of records) {
    if (r.newSha === ZERO_SHA || !r.environment) continue;
    if (r.kind === 'preview' || r.kind === 'production-move') {
      store.deployments.create({
        app: input.app,
        environment: r.environment,
        commit: r.newSha,
        trigger: r.kind === 'preview' ? 'push' : 'rollback',
        previousCommit: store.deployments.live(input.app, r.environment)?.commit ?? null,
        logPath: (id) => logPath(config.dataDir, 'deployments', id),
      });
    }
    watched.set(r.environment, r.newSha);
    say(describeUpdate(r));
  }
  if (config.pipeline.paused) {
    say('the pipeline is paused on this server: the update is recorded and will be processed when it resumes');
    return;
  }
  if (watched.size === 0) {
    void reconciler.wake(input.app);
    return;
  }
  if (input.pushOptions.includes('async')) {
    void reconciler.wake(input.app);
    say('async: not waiting for the build and deploy; follow them in Slipway');
    return;
  }
  const stop = deps.events.subscribe(input.app, (e) => relay(e, watched, say));
  try {
    await reconciler.wake(input.app);
  } finally {
    stop();
  }
  report(deps, input.app, watched, say);
  if (input.pushOptions.includes('publish')) await publishAfterPush(deps, reconciler, input.app, watched, say);
}

/** `git push -o publish`: once preview is healthy on the pushed commit, publish that commit. */
async function publishAfterPush(deps: PipelineDeps, reconciler: Reconciler, app: string, watched: Map<string, string>, say: Say): Promise<void> {
  const preview = deps.config.environments.find((e) => e.ref === 'refs/heads/main');
  const commit = preview ? watched.get(preview.name) : undefined;
  if (!preview || !commit) return say('publish: this push did not move main; nothing to publish');
  if (deps.store.deployments.live(app, preview.name)?.commit !== commit) return say(`publish: not publishing ${shortSha(commit)}, its preview is not live`);
  try {
    const result = await publish(deps, app, { commit, by: 'git push -o publish' });
    say(`publishing ${shortSha(commit)} as ${result.tag}…`);
    const prod = new Map([[result.deployment.environment, commit]]);
    const stop = deps.events.subscribe(app, (e) => relay(e, prod, say));
    try {
      await reconciler.wake(app);
    } finally {
      stop();
    }
    report(deps, app, prod, say);
  } catch (e) {
    say(`publish: ${messageOf(e)}`);
  }
}

function describeUpdate(r: RefUpdateRecord): string {
  const name = r.ref.replace(/^refs\/(heads|tags)\//, '');
  if (r.kind === 'publish') return `${name} → ${shortSha(r.newSha)}: publishing to ${r.environment}`;
  return `${name} → ${shortSha(r.newSha)}: deploying to ${r.environment}`;
}

/** Streams what concerns this push's commits: build output and deploy progress. */
function relay(e: PipelineEvent, watched: Map<string, string>, say: Say): void {
  const commits = new Set(watched.values());
  if (e.type === 'build' && commits.has(e.commit)) {
    if (e.status === 'building') say(`building ${shortSha(e.commit)}…`);
    if (e.status === 'succeeded') say(e.reused ? `image of ${shortSha(e.commit)} reused (no rebuild)` : `built ${shortSha(e.commit)}`);
  } else if (e.type === 'build-line' || e.type === 'deploy-line') {
    say(`  ${e.line}`);
  } else if (e.type === 'deployment' && watched.get(e.environment) !== undefined && e.status === 'superseded') {
    say(`${e.environment}: ${shortSha(e.commit)} superseded by a newer commit`);
  }
}

/** The closing lines: each environment's URL, or the failure and where to read the full log. */
function report(deps: PipelineDeps, app: string, watched: Map<string, string>, say: Say): void {
  for (const [envName, commit] of watched) {
    const env = deps.config.environments.find((e) => e.name === envName);
    if (!env) continue;
    const d = deps.store.deployments.list(app, 200).find((x) => x.environment === envName && x.commit === commit);
    const live = deps.store.deployments.live(app, envName);
    if (live?.commit === commit) say(`${env.title} is live: ${environmentUrl(deps.config, env, app)}`);
    else if (d?.status === 'failed') {
      say(`${env.title} deploy of ${shortSha(commit)} FAILED: ${(d.reason ?? '').split('\n')[0]}`);
      if (d.buildId) say(`  full build log: ${deps.config.publicUrl}/api/builds/${d.buildId}/log`);
      say(`  deployment log: ${deps.config.publicUrl}/api/deployments/${d.id}/log`);
      say(`  ${env.title} still serves ${live ? shortSha(live.commit) : 'nothing'}`);
      if (!d.needsPerson) say('  nothing in the commit needs fixing: Slipway tries again by itself');
    } else if (d?.status === 'superseded') say(`${env.title}: ${shortSha(commit)} was superseded by a newer commit`);
    else say(`${env.title}: ${shortSha(commit)} is ${d?.status ?? 'queued'}; Slipway will finish it`);
  }
}
