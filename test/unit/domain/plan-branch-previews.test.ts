// Which branches get a preview, which push is refused for the cap, and how ref updates of other branches classify.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../../src/config/load-environments.js';
import { branchSlug } from '../../../src/domain/branch-environment.js';
import { checkBranchPush } from '../../../src/domain/check-branch-push.js';
import { classifyRefUpdate } from '../../../src/domain/classify-ref.js';
import { planBranchPreviews } from '../../../src/domain/plan-branch-previews.js';
import { ZERO_SHA } from '../../../src/domain/types.js';

const environments = loadEnvironments(join(import.meta.dirname, '../../../environments'));
const DAY = 86_400_000;
const layout = { environments, domain: 'localhost', branchPreviews: { max: 3, ttlMs: 14 * DAY } };
const now = Date.parse('2025-06-30T12:00:00Z');
const ago = (days: number) => new Date(now - days * DAY).toISOString();
const sha = (n: number) => String(n).padStart(40, 'a');

describe('classifying pushes of other branches', () => {
  it('is a branch preview update with branch previews on, and ignored with them off', () => {
    const update = { ref: 'refs/heads/feature/x', oldSha: ZERO_SHA, newSha: sha(1) };
    expect(classifyRefUpdate(update, environments, true)).toEqual({ kind: 'branch', branch: 'feature/x' });
    expect(classifyRefUpdate({ ...update, oldSha: sha(1), newSha: ZERO_SHA }, environments, true)).toEqual({ kind: 'branch-deleted', branch: 'feature/x' });
    expect(classifyRefUpdate(update, environments, false)).toEqual({ kind: 'ignore' });
    // Followed branches and tags keep their meaning.
    expect(classifyRefUpdate({ ...update, ref: 'refs/heads/main' }, environments, true)).toEqual({ kind: 'preview', environment: 'preview' });
    expect(classifyRefUpdate({ ...update, ref: 'refs/heads/prod' }, environments, true)).toEqual({ kind: 'production-move', environment: 'prod' });
    expect(classifyRefUpdate({ ...update, ref: 'refs/tags/v1' }, environments, true)).toMatchObject({ kind: 'publish' });
  });
});

describe('planning branch previews', () => {
  it('runs the branches pushed within the idle time, and stops the others until their next push', () => {
    const plan = planBranchPreviews(
      'shop',
      [
        { branch: 'fresh', commit: sha(1), lastPush: ago(1) },
        { branch: 'old', commit: sha(2), lastPush: ago(15) },
      ],
      layout,
      now,
    );
    expect(plan.map((p) => [p.branch, p.state])).toEqual([
      ['fresh', 'active'],
      ['old', 'idle'],
    ]);
    expect(plan[1]!.reason).toBe('no push for 14 days');
    expect(plan[1]!.environment?.name).toBe('preview--old');
  });

  it('past the cap, runs the most recently pushed ones', () => {
    const plan = planBranchPreviews(
      'shop',
      ['a', 'b', 'c', 'd', 'e'].map((branch, i) => ({ branch, commit: sha(i), lastPush: ago(i) })),
      layout,
      now,
    );
    expect(plan.filter((p) => p.state === 'active').map((p) => p.branch)).toEqual(['a', 'b', 'c']);
    expect(plan.filter((p) => p.state === 'over-limit').map((p) => p.branch)).toEqual(['d', 'e']);
  });

  it('gives a slug two branches share to the first by name, the same on every pass', () => {
    const slug = branchSlug('Fix');
    const facts = [
      { branch: slug, commit: sha(1), lastPush: ago(0) },
      { branch: 'Fix', commit: sha(2), lastPush: ago(0) },
    ];
    for (const order of [facts, [...facts].reverse()]) {
      const plan = planBranchPreviews('shop', order, layout, now);
      expect(plan.find((p) => p.branch === 'Fix')?.state).toBe('active');
      expect(plan.find((p) => p.branch === slug)).toMatchObject({ state: 'refused', reason: "its host would be branch Fix's; rename the branch" });
    }
  });

  it('has nothing to plan with branch previews off', () => {
    expect(planBranchPreviews('shop', [{ branch: 'a', commit: sha(1), lastPush: ago(0) }], { ...layout, branchPreviews: { max: 0, ttlMs: DAY } }, now)).toEqual(
      [],
    );
  });
});

describe('the cap at pre-receive', () => {
  const create = (branch: string) => ({ ref: `refs/heads/${branch}`, oldSha: ZERO_SHA, newSha: sha(9) });

  it('refuses a new branch past SLIPWAY_MAX_BRANCH_PREVIEWS, naming the ones there and what to do', () => {
    const refusals = checkBranchPush('shop', [create('d')], ['a', 'b', 'c'], layout);
    expect(refusals).toEqual([
      {
        ref: 'refs/heads/d',
        reason:
          'branch d would be one branch preview too many: app shop has 3 of at most 3: a, b, c; delete one (git push origin --delete BRANCH) or ask an admin to raise SLIPWAY_MAX_BRANCH_PREVIEWS',
      },
    ]);
  });

  it('lets pushes to existing branches, deletions and main through at the cap', () => {
    const existing = ['a', 'b', 'c'];
    expect(checkBranchPush('shop', [{ ref: 'refs/heads/a', oldSha: sha(1), newSha: sha(2) }], existing, layout)).toEqual([]);
    expect(checkBranchPush('shop', [{ ref: 'refs/heads/a', oldSha: sha(1), newSha: ZERO_SHA }], existing, layout)).toEqual([]);
    expect(
      checkBranchPush(
        'shop',
        [
          { ref: 'refs/heads/main', oldSha: sha(1), newSha: sha(2) },
          { ref: 'refs/tags/v1', oldSha: ZERO_SHA, newSha: sha(2) },
        ],
        existing,
        layout,
      ),
    ).toEqual([]);
    expect(checkBranchPush('shop', [create('c')], ['a', 'b'], layout)).toEqual([]);
  });

  it('counts every new branch of one push', () => {
    const refusals = checkBranchPush('shop', [create('b'), create('c'), create('d')], ['a'], layout);
    expect(refusals.map((r) => r.ref)).toEqual(['refs/heads/b', 'refs/heads/c', 'refs/heads/d']);
    expect(refusals[0]!.reason).toMatch(/has 1 of at most 3: a \(this push makes 3\)/);
  });

  it("refuses a new branch whose preview would have another branch's host", () => {
    const refusals = checkBranchPush('shop', [create(branchSlug('Fix'))], ['Fix'], layout);
    expect(refusals).toEqual([
      { ref: `refs/heads/${branchSlug('Fix')}`, reason: expect.stringMatching(/would have the host of branch Fix's .* rename the branch/) },
    ]);
  });

  it('limits nothing with branch previews off', () => {
    expect(checkBranchPush('shop', [create('z')], ['a', 'b', 'c'], { ...layout, branchPreviews: { max: 0 } })).toEqual([]);
  });
});
