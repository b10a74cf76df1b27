// Which right a ref update of a push needs (pure): moving main and other branches needs the developer's
// `git:push`; release tags, production's branch and deleting any branch or tag need the releaser's `git:release`.
import type { Action } from './authorize.js';
import { classifyRefUpdate, type RefUpdate } from './classify-ref.js';
import { ZERO_SHA, type EnvironmentDef } from './types.js';

export function pushActionFor(update: RefUpdate, environments: readonly EnvironmentDef[]): Extract<Action, 'git:push' | 'git:release'> {
  if (update.newSha === ZERO_SHA) return 'git:release';
  if (update.ref.startsWith('refs/tags/')) return 'git:release';
  const c = classifyRefUpdate(update, environments);
  return c.kind === 'publish' || c.kind === 'production-move' ? 'git:release' : 'git:push';
}
