// The "what will change" view of publish and rollback: the plan (src/domain/plan-release-change.ts) with the
// commits as UI lines and the patch rendered.
import type { ReleaseChangePlan } from '../../domain/plan-release-change.js';
import type { CommitInfo } from '../../git/read-commits.js';
import type { ProductionMovePlan } from '../../pipeline/plan-production-move.js';
import type { ReadStore } from '../../store/read-store.js';
import { commitSummaryView, type CommitSummaryView } from './commit-summary-view.js';
import { diffView, type DiffLayout, type DiffView } from './diff-view.js';

export interface ReleasePlanView {
  plan: Omit<ReleaseChangePlan, 'commitsIn' | 'commitsOut'>;
  commitsIn: CommitSummaryView[];
  commitsOut: CommitSummaryView[];
  diff: DiffView;
}

export function releasePlanView(app: string, store: Pick<ReadStore, 'generations'>, move: ProductionMovePlan, layout: DiffLayout): ReleasePlanView {
  const line = (c: ReleaseChangePlan['commitsIn'][number]) => commitSummaryView(app, { ...c, parents: [], body: '' } satisfies CommitInfo, store);
  return {
    plan: move.plan,
    commitsIn: move.plan.commitsIn.map(line),
    commitsOut: move.plan.commitsOut.map(line),
    diff: diffView(move.plan.files, move.patch, layout, { app, from: move.plan.from?.commit ?? null, to: move.plan.to.commit }),
  };
}
