// Where each environment was: segments from going live until replaced, failed attempts as points, clipping to
// the period, and environments named by the records alone (branch previews) without a list to know them.
import { describe, expect, it } from 'vitest';
import { layoutEnvironmentTimeline, type TimelineDeployment } from '../../../src/domain/layout-environment-timeline.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const ms = (minutes: number) => T0 + minutes * 60_000;
const d = (environment: string, commit: string, status: string, created: number, finished: number | null): TimelineDeployment => ({
  environment,
  commit,
  status,
  createdAt: at(created),
  finishedAt: finished === null ? null : at(finished),
});

describe('layoutEnvironmentTimeline', () => {
  const records = [
    d('preview', 'a', 'replaced', 0, 2),
    d('preview', 'b', 'failed', 10, 12),
    d('preview', 'c', 'replaced', 20, 21),
    d('preview', 'd', 'live', 30, 33),
    d('prod', 'a', 'live', 5, 6),
    d('preview', 'e', 'superseded', 31, 32),
  ];

  it('draws each deployment that served from when it went live until the next one did', () => {
    const t = layoutEnvironmentTimeline(records, { from: ms(0), to: ms(60) }, ['preview', 'prod']);
    expect(t.rows.map((r) => r.environment)).toEqual(['preview', 'prod']);
    const preview = t.rows[0]!;
    expect(preview.segments.map((s) => [s.commit, (s.start - T0) / 60_000, (s.end - T0) / 60_000, s.live])).toEqual([
      ['a', 2, 21, false],
      ['c', 21, 33, false],
      ['d', 33, 60, true],
    ]);
    // The failed attempt is a point; the superseded one never ran and is not drawn at all.
    expect(preview.attempts).toEqual([{ commit: 'b', at: ms(12), outcome: 'failed' }]);
    expect(t.rows[1]!.segments).toMatchObject([{ commit: 'a', start: ms(6), end: ms(60), live: true }]);
  });

  it('clips segments to the period and says which ones run off its edges', () => {
    const t = layoutEnvironmentTimeline(records, { from: ms(25), to: ms(40) }, ['preview']);
    expect(t.rows[0]!.segments).toEqual([
      { commit: 'c', start: ms(25), end: ms(33), clippedStart: true, clippedEnd: false, live: false },
      { commit: 'd', start: ms(33), end: ms(40), clippedStart: false, clippedEnd: false, live: true },
    ]);
    expect(t.rows[0]!.attempts).toEqual([]);
    const earlier = layoutEnvironmentTimeline(records, { from: ms(0), to: ms(15) }, ['preview']);
    expect(earlier.rows[0]!.segments).toEqual([{ commit: 'a', start: ms(2), end: ms(15), clippedStart: false, clippedEnd: true, live: false }]);
  });

  it('gives any environment in the records a row, a branch preview too, without knowing it beforehand', () => {
    const more = [
      ...records,
      d('branch:feature-x', 'f', 'live', 40, 41),
      d('branch:old', 'g', 'replaced', 1, 2),
      d('branch:feature-x', 'h', 'deploying', 50, null),
    ];
    const t = layoutEnvironmentTimeline(more, { from: ms(30), to: ms(60) }, ['preview', 'prod']);
    // branch:old did nothing in the period (its one segment ended at the next thing it recorded: nothing).
    expect(t.rows.map((r) => r.environment)).toEqual(['preview', 'prod', 'branch:feature-x']);
    expect(t.rows[2]!.segments).toMatchObject([{ commit: 'f', start: ms(41), end: ms(60), live: true }]);
    expect(t.rows[2]!.attempts).toEqual([{ commit: 'h', at: ms(50), outcome: 'under way' }]);
  });

  it('ends a replaced deployment with no successor at the next thing that happened to its environment', () => {
    const t = layoutEnvironmentTimeline([d('branch:x', 'a', 'replaced', 0, 1), d('branch:x', 'b', 'failed', 5, 7)], { from: ms(0), to: ms(10) }, []);
    expect(t.rows[0]!.segments).toMatchObject([{ commit: 'a', start: ms(1), end: ms(5), live: false }]);
    expect(t.rows[0]!.attempts).toEqual([{ commit: 'b', at: ms(7), outcome: 'failed' }]);
  });

  it('keeps a row for a configured environment that never ran', () => {
    const t = layoutEnvironmentTimeline([], { from: ms(0), to: ms(10) }, ['preview', 'prod']);
    expect(t.rows).toEqual([
      { environment: 'preview', segments: [], attempts: [] },
      { environment: 'prod', segments: [], attempts: [] },
    ]);
  });
});
