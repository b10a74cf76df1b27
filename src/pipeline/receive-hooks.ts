// The server side of the git hooks: policy before refs move (pre-receive), durable intake after (post-receive),
// and the pipeline's progress streamed back to the pusher — only what this push caused.
import { parseAppName } from '../domain/app-name.js';
import { checkRefUpdate, classifyRefUpdate, type RefUpdate } from '../domain/classify-ref.js';
import { decideProductionMove } from '../domain/decide-production-move.js';
import { previewEnvironment } from '../domain/environments.js';
import { checkBranchPush } from '../domain/check-branch-push.js';
import { branchPreviewsOn } from '../domain/host-for.js';
import { isSha, shortSha, ZERO_SHA, type EnvironmentDef } from '../domain/types.js';
import { readDirection } from '../git/read-direction.js';
import { resolveRef } from '../git/read-refs.js';
import { repoPath } from '../git/repo-path.js';
import { InvalidInputError, NotFoundError, messageOf } from '../shared/errors.js';
import { environmentUrl } from '../domain/host-for.js';
import { authorize } from '../domain/authorize.js';
import { pushActionFor } from '../domain/push-action.js';
import { principalOfTokenId } from '../auth/authenticate-token.js';
import type { PipelineDeps } from './deps.js';
import { branchEnvironmentOf, previewBranches } from './branch-previews.js';
import { buildFacts, productionEnvironment } from './move-production.js';
import type { PipelineEvent } from './pipeline-events.js';
import { release } from './release.js';
import type { Reconciler } from './reconciler.js';
import { recordRefUpdates, type IntakeRecord } from './record-ref-updates.js';

export interface HookInput {
  app: string;
  updates: RefUpdate[];
  pushOptions: string[];
  pusher: string;
  /** The id of the token that pushed (the bridge puts it in git's environment): who pushes, and what they may. */
  pusherToken?: string;
  /** Where the push came from. */
  address?: string;
  /** receive-pack's quarantine folder (pre-receive): the pushed objects, before refs move. */
  quarantine?: string;
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
  return {
    app,
    updates,
    pushOptions,
    pusher: typeof b.pusher === 'string' ? b.pusher.slice(0, 100) : '',
    ...(typeof b.pusherToken === 'string' && b.pusherToken ? { pusherToken: b.pusherToken.slice(0, 100) } : {}),
    ...(typeof b.address === 'string' && b.address ? { address: b.address.slice(0, 100) } : {}),
    ...(typeof b.quarantine === 'string' && b.quarantine ? { quarantine: b.quarantine } : {}),
  };
}

/** What the pusher may not do of these updates (the role check): a reason per refused ref. */
export function refuseByRole(deps: Pick<PipelineDeps, 'config' | 'store'>, input: Pick<HookInput, 'app' | 'updates' | 'pusherToken'>): Map<string, string> {
  const principal = input.pusherToken ? principalOfTokenId(deps, input.pusherToken) : null;
  const refused = new Map<string, string>();
  for (const update of input.updates) {
    const decision = principal
      ? authorize(principal.grant, pushActionFor(update, deps.config.environments), input.app)
      : { allowed: false as const, reason: 'the token that pushed is no longer valid' };
    if (!decision.allowed) refused.set(update.ref, decision.reason);
  }
  return refused;
}

/** Returns whether the push may go on; refusals are said with their reason. */
export async function preReceive(deps: Pick<PipelineDeps, 'config' | 'store'>, input: HookInput, say: Say): Promise<boolean> {
  if (!deps.store.apps.get(input.app)) throw new NotFoundError(`no app named ${input.app}`);
  const byRole = refuseByRole(deps, input);
  let ok = true;
  for (const update of input.updates) {
    const verdict = checkRefUpdate(update, deps.config.environments);
    const reason = byRole.get(update.ref) ?? (verdict.ok ? await refuseProductionMove(deps, input, update) : verdict.reason);
    if (reason) {
      say(`refused ${update.ref}: ${reason}`);
      ok = false;
    }
  }
  if (makesBranchPreviews(deps, input.updates)) {
    // New branches: each needs a host of its own, and the app stays within SLIPWAY_MAX_BRANCH_PREVIEWS.
    for (const r of checkBranchPush(input.app, input.updates, await previewBranches(deps, input.app), deps.config)) {
      say(`refused ${r.ref}: ${r.reason}`);
      ok = false;
    }
  }
  return ok;
}

/** Whether the push makes a branch that no environment follows (a new branch preview, which the cap counts). */
function makesBranchPreviews(deps: Pick<PipelineDeps, 'config'>, updates: readonly RefUpdate[]): boolean {
  return updates.some((u) => u.oldSha === ZERO_SHA && classifyRefUpdate(u, deps.config.environments, branchPreviewsOn(deps.config)).kind === 'branch');
}

/** A release tag or a push to production's branch, asked of the production rule; null when it may go on. */
async function refuseProductionMove(deps: Pick<PipelineDeps, 'config' | 'store'>, input: HookInput, update: RefUpdate): Promise<string | null> {
  const c = classifyRefUpdate(update, deps.config.environments);
  if (c.kind !== 'publish' && c.kind !== 'production-move') return null;
  const gitdir = repoPath(deps.config.dataDir, input.app);
  // An annotated tag is an object of its own: what goes to production is the commit it points at.
  const quarantine = input.quarantine ? { dir: input.quarantine, path: deps.config.path } : undefined;
  const target = await resolveRef(gitdir, update.newSha, quarantine);
  if (!target) return 'a release tag must point at a commit';
  const env = productionEnvironment(deps);
  const current = c.kind === 'production-move' ? (update.oldSha === ZERO_SHA ? null : update.oldSha) : await resolveRef(gitdir, env.ref);
  const decision = decideProductionMove({
    via: c.kind === 'publish' ? 'tag' : 'branch',
    environment: env.title,
    target,
    direction: await readDirection(gitdir, current, target, quarantine),
    build: buildFacts(deps.store.builds.latestFor(input.app, target)),
  });
  return decision.allowed ? null : decision.reason;
}

/**
 * Whether preReceive accepts these updates whatever happens meanwhile: each verdict depends on the ref alone, no
 * build record is consulted (so not for publishing or moving production). The git bridge checks this before
 * receive-pack runs and spares the pre-receive hook its process start-up; anything else goes through the hook.
 */
export function acceptsWithoutHook(deps: Pick<PipelineDeps, 'config' | 'store'>, input: Pick<HookInput, 'app' | 'updates' | 'pusherToken'>): boolean {
  if (!deps.store.apps.get(input.app)) return false;
  // A new branch preview depends on the app's other branches (the cap): the hook asks.
  if (makesBranchPreviews(deps, input.updates)) return false;
  if (refuseByRole(deps, input).size > 0) return false;
  return input.updates.every((update) => {
    if (!checkRefUpdate(update, deps.config.environments).ok) return false;
    const { kind } = classifyRefUpdate(update, deps.config.environments);
    return kind !== 'publish' && kind !== 'production-move';
  });
}

/** What one push caused, followed through the pipeline: its deployments and its release tags. */
interface Followed {
  deployments: Set<string>;
  commits: Set<string>;
  builds: Set<string>;
  tags: IntakeRecord[];
  /** The environments the push moved, by name: the files' and this push's branch previews. */
  environments: Map<string, EnvironmentDef>;
}

/** The environment files' and the branch previews this push moved (which no file names). */
function environmentsOf(deps: Pick<PipelineDeps, 'config'>, app: string, records: readonly IntakeRecord[]): Map<string, EnvironmentDef> {
  const envs = new Map(deps.config.environments.map((e) => [e.name, e]));
  for (const r of records) {
    const branch = r.kind === 'branch' || r.kind === 'branch-deleted' ? shortRef(r.ref) : null;
    const env = branch === null ? undefined : branchEnvironmentOf(deps, app, branch);
    if (env) envs.set(env.name, env);
  }
  return envs;
}

function shortRef(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

/** Records every ref update (committed before anything else), then runs the pipeline and reports on it. */
export async function postReceive(deps: Pick<PipelineDeps, 'config' | 'store' | 'events'>, reconciler: Reconciler, input: HookInput, say: Say): Promise<void> {
  if (!deps.store.apps.get(input.app)) throw new NotFoundError(`no app named ${input.app}`);
  const records = await recordRefUpdates(deps, input.app, input.updates, { by: input.pusher, pushOptions: input.pushOptions, trigger: 'push' });
  deps.events.emit({ type: 'push', app: input.app, refs: records.length });
  const followed: Followed = {
    deployments: new Set(),
    commits: new Set(),
    builds: new Set(),
    tags: [],
    environments: environmentsOf(deps, input.app, records),
  };
  for (const r of records) {
    if (r.deployment) {
      followed.deployments.add(r.deployment.id);
      followed.commits.add(r.deployment.commit);
    } else if (r.kind === 'publish') followed.tags.push(r);
    if (r.kind !== 'ignore') say(describeUpdate(r, followed.environments));
  }
  if (deps.config.pipeline.paused) {
    say('the pipeline is paused on this server: the update is recorded and will be processed when it resumes');
    return;
  }
  const deleted = records.filter((r) => r.kind === 'branch-deleted' && r.environment);
  if (followed.deployments.size === 0 && followed.tags.length === 0 && (deleted.length === 0 || input.pushOptions.includes('async'))) {
    void reconciler.wake(input.app);
    return;
  }
  if (input.pushOptions.includes('async')) {
    void reconciler.wake(input.app);
    say(`async: not waiting for the build and deploy; follow them at ${deps.config.publicUrl}/apps/${input.app} or with: slipway logs ${input.app} -f`);
    return;
  }
  await follow(deps, reconciler, input.app, followed, say);
  for (const r of deleted) say(`${shortRef(r.ref)}: its branch preview is removed`);
  if (input.pushOptions.includes('publish')) await publishAfterPush(deps, reconciler, input, records, say);
}

async function follow(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events'>,
  reconciler: Reconciler,
  app: string,
  followed: Followed,
  say: Say,
): Promise<void> {
  const stop = deps.events.subscribe(app, (e) => relay(e, followed, say));
  try {
    await reconciler.wake(app);
  } finally {
    stop();
  }
  report(deps, app, followed, say);
}

/** `git push -o publish`: once preview is healthy on the pushed commit, publish that commit. */
async function publishAfterPush(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events'>,
  reconciler: Reconciler,
  input: HookInput,
  records: IntakeRecord[],
  say: Say,
): Promise<void> {
  const preview = previewEnvironment(deps.config.environments);
  const d = records.find((r) => r.deployment && r.environment === preview?.name)?.deployment;
  if (!preview || !d) return say('publish: this push did not move main; nothing to publish');
  if (deps.store.deployments.get(d.id)?.status !== 'live') return say(`publish: not publishing ${shortSha(d.commit)}, its preview is not live`);
  try {
    const result = await release(deps, input.app, 'publish', { to: d.commit, by: `${input.pusher || 'git push'} (git push -o publish)` });
    say(`publishing ${shortSha(d.commit)} as ${result.tag}…`);
    const followed = {
      deployments: new Set([result.deployment.id]),
      commits: new Set([d.commit]),
      builds: new Set<string>(),
      tags: [],
      environments: environmentsOf(deps, input.app, []),
    };
    await follow(deps, reconciler, input.app, followed, say);
  } catch (e) {
    say(`publish: ${messageOf(e)}`);
  }
}

function describeUpdate(r: IntakeRecord, environments: Map<string, EnvironmentDef>): string {
  const name = shortRef(r.ref);
  if (r.kind === 'publish') return `${name} → ${shortSha(r.newSha)}: publishing to ${r.environment}`;
  if (r.kind === 'branch-deleted') return `${name} deleted: removing its branch preview`;
  if (r.kind === 'branch') {
    const env = r.environment ? environments.get(r.environment) : undefined;
    return env ? `${name} → ${shortSha(r.newSha)}: deploying its branch preview (${env.title})` : `${name} → ${shortSha(r.newSha)}: this branch has no preview`;
  }
  return `${name} → ${shortSha(r.newSha)}: deploying to ${r.environment}`;
}

/** Streams what concerns this push: the builds and deploys it caused, not later pushes' work. */
function relay(e: PipelineEvent, followed: Followed, say: Say): void {
  if (e.type === 'deployment' && !followed.deployments.has(e.deploymentId)) {
    // A pushed release tag queues production's deployment during the pass: follow it too.
    if (e.status === 'building' && followed.tags.some((t) => t.environment === e.environment)) {
      followed.deployments.add(e.deploymentId);
      followed.commits.add(e.commit);
    }
    return;
  }
  if (e.type === 'build-queued' && followed.commits.has(e.commit)) {
    say(`queued: position ${e.position} of ${e.waiting} (${e.running} build${e.running === 1 ? '' : 's'} running)`);
  } else if (e.type === 'build' && followed.commits.has(e.commit)) {
    followed.builds.add(e.buildId);
    if (e.status === 'building')
      say(
        e.rebuild === 'retention'
          ? `the image of ${shortSha(e.commit)} was removed by retention: building it again…`
          : e.rebuild === 'docker'
            ? `the image of ${shortSha(e.commit)} is no longer in Docker: building it again…`
            : `building ${shortSha(e.commit)}…`,
      );
    if (e.status === 'succeeded') say(e.reused ? `image of ${shortSha(e.commit)} reused (no rebuild)` : `built ${shortSha(e.commit)}`);
  } else if (e.type === 'build-line' && followed.builds.has(e.buildId)) {
    // A failure's verdict is said once, by the closing lines (report): not by the build log and the deployment log too.
    if (!e.verdict) say(`  ${e.line}`);
  } else if (e.type === 'deploy-line' && followed.deployments.has(e.deploymentId)) {
    if (!e.verdict) say(`  ${e.line}`);
  } else if (e.type === 'deployment' && e.status === 'superseded') {
    say(`${e.environment}: ${shortSha(e.commit)} superseded by a newer commit`);
  }
}

/** The closing lines: each deployment's URL, or the failure and where to read the full log; each tag's outcome. */
function report(deps: Pick<PipelineDeps, 'config' | 'store'>, app: string, followed: Followed, say: Say): void {
  for (const t of followed.tags) {
    const outcome = deps.store.refUpdates.get(t.id)?.outcome;
    const tag = t.ref.replace(/^refs\/tags\//, '');
    if (outcome?.startsWith('not published')) say(`${tag} ${outcome}`);
    else if (!outcome) say(`${tag}: publishing waits (its build will be tried again); Slipway will finish it`);
  }
  for (const id of followed.deployments) {
    const d = deps.store.deployments.get(id);
    const env = d && followed.environments.get(d.environment);
    if (!d || !env) continue;
    const live = deps.store.deployments.live(app, env.name);
    if (d.status === 'live' || (d.status === 'replaced' && live?.commit === d.commit)) say(`${env.title} is live: ${environmentUrl(deps.config, env, app)}`);
    else if (d.status === 'failed') {
      // The reason once (a build's output was relayed above, so its first line; a health check's reason whole, as it
      // carries the container's last lines), then where to read the log: its page in the UI and the CLI command.
      const buildFailed = d.buildId !== null && deps.store.builds.get(d.buildId)?.status === 'failed';
      const [first, ...rest] = (d.reason ?? '').split('\n');
      say(`${env.title} deploy of ${shortSha(d.commit)} FAILED: ${first ?? ''}`);
      if (!buildFailed) for (const line of rest) say(`  ${line}`);
      if (buildFailed) say(`  build log: ${deps.config.publicUrl}/apps/${app}/builds/${d.buildId} (or: slipway logs ${app} --build ${d.buildId})`);
      else say(`  deployment log: ${deps.config.publicUrl}/apps/${app}/deployments/${d.id} (or: slipway logs ${app} --deployment ${d.id})`);
      say(`  ${env.title} still serves ${live ? shortSha(live.commit) : 'nothing'}`);
      if (!d.needsPerson) say('  nothing in the commit needs fixing: Slipway tries again by itself');
    } else if (d.status === 'superseded') say(`${env.title}: ${shortSha(d.commit)} was superseded by a newer commit`);
    else say(`${env.title}: ${shortSha(d.commit)} is ${d.status}; Slipway will finish it`);
  }
}
