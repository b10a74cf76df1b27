// The server side of the git hooks: policy before refs move (pre-receive), durable intake after (post-receive).
import { parseAppName } from '../domain/app-name.js';
import { checkRefUpdate, classifyRefUpdate, type RefUpdate } from '../domain/classify-ref.js';
import { hostFor } from '../domain/host-for.js';
import { isSha, shortSha, ZERO_SHA } from '../domain/types.js';
import { InvalidInputError, NotFoundError } from '../shared/errors.js';
import type { PipelineDeps } from './deps.js';
import type { Reconciler } from './reconciler.js';

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
    if (typeof x.ref !== 'string' || !x.ref.startsWith('refs/') || typeof x.oldSha !== 'string' || typeof x.newSha !== 'string' || !isSha(x.oldSha) || !isSha(x.newSha)) {
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
    }
  }
  return ok;
}

/** Records every ref update (committed before returning), then hands them to the reconciler. */
export async function postReceive(deps: PipelineDeps, reconciler: Reconciler, input: HookInput, say: Say): Promise<void> {
  if (!deps.store.apps.get(input.app)) throw new NotFoundError(`no app named ${input.app}`);
  const envs = deps.config.environments;
  const records = deps.store.refUpdates.record(
    input.updates.map((u) => {
      const c = classifyRefUpdate(u, envs);
      return { app: input.app, ...u, kind: c.kind, environment: c.kind === 'ignore' ? null : c.environment, pusher: input.pusher, pushOptions: input.pushOptions };
    }),
  );
  for (const r of records) {
    const env = envs.find((e) => e.name === r.environment);
    const name = r.ref.replace(/^refs\/(heads|tags)\//, '');
    if (r.newSha === ZERO_SHA) say(`${name} deleted`);
    else if (env && (r.kind === 'preview' || r.kind === 'production-move' || r.kind === 'publish')) {
      say(`${name} → ${shortSha(r.newSha)}: ${r.kind === 'publish' ? 'publish to' : 'deploy to'} ${env.title} (${hostFor(env, input.app, deps.config.domain)})`);
    }
  }
  if (deps.config.pipeline.paused) {
    say('the pipeline is paused on this server: the update is recorded and will be processed when it resumes');
    return;
  }
  await reconciler.wake(input.app);
}
