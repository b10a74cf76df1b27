// The "what will change" of a publish or a rollback, planned with no I/O from what git says differs between
// what production runs and the commit it would move to. The publish and rollback views show this plan, and
// its blockers are the reasons the action would be refused.
import { decideProductionMove, type BuildFacts, type ChangeDirection } from './decide-production-move.js';
import { nextReleaseName } from './release-name.js';
import { shortSha } from './types.js';

export type { ChangeDirection };

export type ReleaseAction = 'publish' | 'rollback';

export interface PlanCommitInput {
  sha: string;
  subject: string;
  authorName: string;
  authorEmail: string;
  authoredAt: string;
  generationId: string | null;
}

export interface PlanFileInput {
  path: string;
  status: 'added' | 'modified' | 'deleted' | 'type-changed';
  additions: number | null;
  deletions: number | null;
}

export interface ReleaseChangeInput {
  action: ReleaseAction;
  /** What people call the environment that moves ("production"). */
  environment: string;
  /** What the environment runs now (null: nothing yet). */
  current: { commit: string; tag: string | null } | null;
  target: { commit: string; tag: string | null; build: BuildFacts };
  /** Where production's ref points now: applying the plan moves it only if it still points there. */
  productionRef: string | null;
  /** Every release tag of the app (to name the next one). */
  releaseTags: readonly string[];
  /** Commits the target has and the current commit has not, newest first. */
  commitsIn: readonly PlanCommitInput[];
  commitsInTotal: number;
  /** Commits the current commit has and the target has not. */
  commitsOut: readonly PlanCommitInput[];
  commitsOutTotal: number;
  files: readonly PlanFileInput[];
}

export interface ReleaseChangePlan {
  action: ReleaseAction;
  environment: string;
  from: { commit: string; short: string; tag: string | null } | null;
  to: { commit: string; short: string; tag: string | null };
  /** The tag the target will carry: its existing release, or (publish) the next release name. */
  tag: string | null;
  /** Publishing creates `tag` (no release points at the target yet). */
  createsTag: boolean;
  direction: ChangeDirection;
  /** What the records will call the move: `rollback` only when production goes back. */
  trigger: 'publish' | 'rollback';
  productionRef: string | null;
  headline: string;
  commitsIn: readonly PlanCommitInput[];
  commitsInTotal: number;
  commitsOut: readonly PlanCommitInput[];
  commitsOutTotal: number;
  files: readonly PlanFileInput[];
  totals: { files: number; additions: number; deletions: number; binary: number };
  /** Why the action cannot be done; empty when it can. */
  blockers: string[];
  /** Set when the target's image was removed by retention: what the move does first (build it again). */
  rebuild: string | null;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const goLive = (n: number) => `${plural(n, 'commit')} ${n === 1 ? 'goes' : 'go'} live`;
const stopLive = (n: number) => `${plural(n, 'commit')} ${n === 1 ? 'stops' : 'stop'} being live`;

export function planReleaseChange(input: ReleaseChangeInput): ReleaseChangePlan {
  const { action, environment, current, target } = input;
  const existingTag = target.tag;
  const tag = existingTag ?? (action === 'publish' ? nextReleaseName(input.releaseTags) : null);
  const direction: ChangeDirection = !current
    ? 'first'
    : current.commit === target.commit
      ? 'none'
      : input.commitsOutTotal === 0
        ? 'forward'
        : input.commitsInTotal === 0
          ? 'back'
          : 'sideways';
  const name = tag ?? shortSha(target.commit);
  const headline = {
    first: `${environment} runs nothing yet: ${action === 'publish' ? 'publishing' : 'moving to'} ${name} puts ${plural(input.commitsInTotal, 'commit')} live`,
    none: `${environment} already runs ${name}: nothing changes`,
    forward: `${environment} moves forward from ${current?.tag ?? shortSha(current?.commit ?? '')} to ${name}: ${goLive(input.commitsInTotal)}`,
    back: `${environment} moves back from ${current?.tag ?? shortSha(current?.commit ?? '')} to ${name}: ${stopLive(input.commitsOutTotal)}`,
    sideways: `${environment} moves from ${current?.tag ?? shortSha(current?.commit ?? '')} to ${name}: ${goLive(input.commitsInTotal)} and ${stopLive(input.commitsOutTotal)}`,
  }[direction];
  const decision = decideProductionMove({ via: action, environment, target: target.commit, direction, build: target.build });
  const blockers = decision.allowed ? [] : [decision.reason];
  const rebuild =
    decision.allowed && decision.rebuilds
      ? `The image of ${name} was removed by retention, so it is built again first; ${current ? `${environment} keeps running ${current.tag ?? shortSha(current.commit)} until ${name} is built and healthy` : `${environment} runs it once it is built and healthy`}.`
      : null;
  let additions = 0;
  let deletions = 0;
  let binary = 0;
  for (const f of input.files) {
    if (f.additions === null || f.deletions === null) binary++;
    else {
      additions += f.additions;
      deletions += f.deletions;
    }
  }
  return {
    action,
    environment,
    from: current ? { commit: current.commit, short: shortSha(current.commit), tag: current.tag } : null,
    to: { commit: target.commit, short: shortSha(target.commit), tag: existingTag },
    tag,
    createsTag: action === 'publish' && existingTag === null,
    direction,
    trigger: direction === 'back' ? 'rollback' : 'publish',
    productionRef: input.productionRef,
    headline,
    commitsIn: input.commitsIn,
    commitsInTotal: input.commitsInTotal,
    commitsOut: input.commitsOut,
    commitsOutTotal: input.commitsOutTotal,
    files: input.files,
    totals: { files: input.files.length, additions, deletions, binary },
    blockers,
    rebuild,
  };
}
