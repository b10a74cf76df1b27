// The production rule: whether production may move to a commit, decided in one place with no I/O. The
// pre-receive check (release tags and pushes to the production branch), publish and rollback, their plan in the
// UI and API, and the reconciler applying a pushed release tag all ask this function, with the same facts.
import { shortSha } from './types.js';

/** How the move was asked for. */
export type ProductionVia = 'tag' | 'branch' | 'publish' | 'rollback';

/** Where the target stands relative to what production runs (from git's ancestry). */
export type ChangeDirection = 'first' | 'forward' | 'back' | 'sideways' | 'none';

export interface BuildFacts {
  status: 'queued' | 'building' | 'succeeded' | 'failed' | 'superseded' | 'none';
  /** A failed build that only a person can fix (a broken Dockerfile); false: Slipway retries it by itself. */
  needsPerson: boolean;
  error: string | null;
  /** It succeeded, and retention removed its image since: the commit is built again before it runs. */
  imageRemoved?: boolean;
}

export interface ProductionMoveFacts {
  via: ProductionVia;
  /** What people call the environment ("Production"). */
  environment: string;
  /** The commit production would run (a release tag peeled to its commit). */
  target: string;
  direction: ChangeDirection;
  /** The newest build of the target. */
  build: BuildFacts;
}

export type ProductionDecision =
  | {
      allowed: true;
      /** Pushed tags and branches may name a commit not built yet: production moves once its build succeeds. */
      waitsForBuild: boolean;
      /** The commit was built, but retention removed its image: it is built again (publish and rollback too). */
      rebuilds?: true;
      /** What the records call the move: going back is a rollback, anything else publishes. */
      trigger: 'publish' | 'rollback';
    }
  | { allowed: false; reason: string };

export function decideProductionMove(facts: ProductionMoveFacts): ProductionDecision {
  const { via, environment, target, build } = facts;
  const short = shortSha(target);
  const asked = via === 'publish' || via === 'rollback';
  if (asked && facts.direction === 'none') return { allowed: false, reason: `${environment} already runs ${short}.` };
  if (build.status === 'failed' && build.needsPerson) {
    const why = (build.error ?? '').split('\n')[0]?.trim();
    return { allowed: false, reason: `The build of ${short} failed, so it cannot go to ${environment}${why ? `: ${why}` : '.'}` };
  }
  const trigger = facts.direction === 'back' ? 'rollback' : 'publish';
  // A build that succeeded once builds again, whoever asks: the code was fine; only its image was let go.
  if (build.status === 'succeeded')
    return build.imageRemoved ? { allowed: true, waitsForBuild: true, rebuilds: true, trigger } : { allowed: true, waitsForBuild: false, trigger };
  // Publish and rollback in Slipway never build a commit that never built; a pushed tag or branch names code the
  // pusher just sent.
  if (asked) return { allowed: false, reason: `${short} has not been built yet (publish and rollback never build): wait for its build.` };
  return { allowed: true, waitsForBuild: true, trigger };
}
