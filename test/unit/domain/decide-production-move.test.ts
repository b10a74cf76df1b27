import { describe, expect, it } from 'vitest';
import { decideProductionMove, type ProductionMoveFacts } from '../../../src/domain/decide-production-move.js';

const facts = (over: Partial<ProductionMoveFacts>): ProductionMoveFacts => ({
  via: 'tag',
  environment: 'Production',
  target: 'b'.repeat(40),
  direction: 'forward',
  build: { status: 'succeeded', needsPerson: false, error: null },
  ...over,
});
const failed = { status: 'failed' as const, needsPerson: true, error: 'dockerfile parse error line 3: unknown instruction: RUNN\nmore' };

describe('decideProductionMove (the production rule)', () => {
  it('lets a built commit go to production by every way of asking', () => {
    for (const via of ['tag', 'branch', 'publish', 'rollback'] as const) {
      expect(decideProductionMove(facts({ via }))).toEqual({ allowed: true, waitsForBuild: false, trigger: 'publish' });
    }
  });

  it('refuses a commit whose build failed, by every way of asking, with the build error', () => {
    for (const via of ['tag', 'branch', 'publish', 'rollback'] as const) {
      const d = decideProductionMove(facts({ via, build: failed }));
      expect(d).toEqual({
        allowed: false,
        reason: 'The build of bbbbbbbbbbbb failed, so it cannot go to Production: dockerfile parse error line 3: unknown instruction: RUNN',
      });
    }
  });

  it('lets pushed tags and branches wait for a build; publish and rollback never build', () => {
    const unbuilt = { status: 'none' as const, needsPerson: false, error: null };
    expect(decideProductionMove(facts({ via: 'tag', build: unbuilt }))).toMatchObject({ allowed: true, waitsForBuild: true });
    expect(decideProductionMove(facts({ via: 'branch', build: unbuilt }))).toMatchObject({ allowed: true, waitsForBuild: true });
    expect(decideProductionMove(facts({ via: 'publish', build: unbuilt }))).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/not been built yet/),
    });
  });

  it('builds again, by every way of asking, a commit whose image retention removed', () => {
    const removed = { status: 'succeeded' as const, needsPerson: false, error: null, imageRemoved: true };
    for (const via of ['tag', 'branch', 'publish', 'rollback'] as const) {
      expect(decideProductionMove(facts({ via, direction: 'back', build: removed }))).toEqual({
        allowed: true,
        waitsForBuild: true,
        rebuilds: true,
        trigger: 'rollback',
      });
    }
  });

  it('does not let a retryable build failure block production for good', () => {
    const retry = { status: 'failed' as const, needsPerson: false, error: 'Docker is not reachable' };
    expect(decideProductionMove(facts({ via: 'tag', build: retry }))).toMatchObject({ allowed: true, waitsForBuild: true });
  });

  it('labels a move by its direction: only going back is a rollback', () => {
    expect(decideProductionMove(facts({ via: 'branch', direction: 'forward' }))).toMatchObject({ trigger: 'publish' });
    expect(decideProductionMove(facts({ via: 'branch', direction: 'back' }))).toMatchObject({ trigger: 'rollback' });
    expect(decideProductionMove(facts({ via: 'rollback', direction: 'forward' }))).toMatchObject({ trigger: 'publish' });
  });

  it('refuses publishing or rolling back to what production already runs, but a tag may name it', () => {
    expect(decideProductionMove(facts({ via: 'publish', direction: 'none' }))).toMatchObject({
      allowed: false,
      reason: 'Production already runs bbbbbbbbbbbb.',
    });
    expect(decideProductionMove(facts({ via: 'tag', direction: 'none' }))).toMatchObject({ allowed: true });
  });
});
