import { describe, expect, it } from 'vitest';
import { planReleaseChange, type ReleaseChangeInput } from '../../../src/domain/plan-release-change.js';

const sha = (c: string) => c.repeat(40);
const commit = (c: string, subject: string) => ({
  sha: sha(c),
  subject,
  authorName: 'Claude',
  authorEmail: 'claude@slipway.local',
  authoredAt: '2026-01-01T00:00:00Z',
  generationId: null,
});
const built = (status: 'succeeded' | 'failed' | 'none', needsPerson = status === 'failed') => ({
  status,
  needsPerson,
  error: status === 'failed' ? 'RUN pip install: exit 1' : null,
});
const input = (over: Partial<ReleaseChangeInput>): ReleaseChangeInput => ({
  action: 'publish',
  environment: 'production',
  current: { commit: sha('a'), tag: 'v1' },
  target: { commit: sha('b'), tag: null, build: built('succeeded') },
  productionRef: sha('a'),
  releaseTags: ['v1'],
  commitsIn: [commit('b', 'Add otters')],
  commitsInTotal: 1,
  commitsOut: [],
  commitsOutTotal: 0,
  files: [
    { path: 'public/index.html', status: 'modified', additions: 3, deletions: 1 },
    { path: 'logo.png', status: 'added', additions: null, deletions: null },
  ],
  ...over,
});

describe('planReleaseChange', () => {
  it('plans a publish forward with the next release name and totals', () => {
    const plan = planReleaseChange(input({}));
    expect(plan).toMatchObject({
      direction: 'forward',
      trigger: 'publish',
      tag: 'v2',
      createsTag: true,
      blockers: [],
      totals: { files: 2, additions: 3, deletions: 1, binary: 1 },
    });
    expect(plan.headline).toBe('production moves forward from v1 to v2: 1 commit goes live');
  });

  it('plans the first publish when production runs nothing', () => {
    const plan = planReleaseChange(input({ current: null, releaseTags: [], commitsInTotal: 3 }));
    expect(plan).toMatchObject({ direction: 'first', tag: 'v1', from: null });
    expect(plan.headline).toBe('production runs nothing yet: publishing v1 puts 3 commits live');
  });

  it('plans a rollback back to an existing release without minting a tag', () => {
    const plan = planReleaseChange(
      input({
        action: 'rollback',
        current: { commit: sha('b'), tag: 'v2' },
        target: { commit: sha('a'), tag: 'v1', build: built('succeeded') },
        releaseTags: ['v1', 'v2'],
        commitsIn: [],
        commitsInTotal: 0,
        commitsOut: [commit('b', 'Add otters')],
        commitsOutTotal: 1,
      }),
    );
    expect(plan).toMatchObject({ direction: 'back', trigger: 'rollback', tag: 'v1', createsTag: false, blockers: [] });
    expect(plan.headline).toBe('production moves back from v2 to v1: 1 commit stops being live');
  });

  it('says when commits go and come (diverged) and when nothing changes', () => {
    expect(planReleaseChange(input({ commitsOutTotal: 2, commitsOut: [commit('c', 'x')] })).direction).toBe('sideways');
    const same = planReleaseChange(input({ target: { commit: sha('a'), tag: 'v1', build: built('succeeded') }, commitsInTotal: 0, commitsIn: [], files: [] }));
    expect(same.direction).toBe('none');
    expect(same.blockers).toEqual(['production already runs aaaaaaaaaaaa.']);
  });

  it('blocks a target whose build failed or that was never built', () => {
    expect(planReleaseChange(input({ target: { commit: sha('b'), tag: null, build: built('failed') } })).blockers[0]).toMatch(/build of bbbbbbbbbbbb failed/);
    expect(planReleaseChange(input({ target: { commit: sha('b'), tag: null, build: built('none') } })).blockers[0]).toMatch(/has not been built yet/);
    // A build that failed for a reason Slipway retries (Docker was down) blocks only until it is built.
    expect(planReleaseChange(input({ target: { commit: sha('b'), tag: null, build: built('failed', false) } })).blockers[0]).toMatch(/has not been built yet/);
  });

  it('says that a rollback to a release whose image retention removed builds it again first', () => {
    const plan = planReleaseChange(
      input({
        action: 'rollback',
        current: { commit: sha('b'), tag: 'v2' },
        target: { commit: sha('a'), tag: 'v1', build: { ...built('succeeded'), imageRemoved: true } },
        releaseTags: ['v1', 'v2'],
        commitsIn: [],
        commitsInTotal: 0,
        commitsOut: [commit('b', 'Add otters')],
        commitsOutTotal: 1,
      }),
    );
    expect(plan.blockers).toEqual([]);
    expect(plan.rebuild).toBe(
      'The image of v1 was removed by retention, so it is built again first; production keeps running v2 until v1 is built and healthy.',
    );
    expect(planReleaseChange(input({})).rebuild).toBeNull();
  });

  it('calls a forward move a publish even when asked as a rollback', () => {
    expect(planReleaseChange(input({ action: 'rollback' })).trigger).toBe('publish');
  });
});
