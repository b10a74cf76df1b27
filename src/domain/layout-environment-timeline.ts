// Where each environment was over a period, from its deployment records, with no drawing: one row per
// environment; a segment for each commit that served, from when it went live until the next one went live (or
// until the end of the period while it still serves); failed attempts and attempts still under way as points.
// Environments are whatever the records name (`preview`, `prod`, `branch:feature-x`, …): nothing here knows a list.

/** The fields of a deployment record the timeline reads. */
export interface TimelineDeployment {
  environment: string;
  commit: string;
  /** 'live' | 'replaced' served; 'failed' did not; 'queued' | 'building' | 'deploying' under way; others ignored. */
  status: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601: when it went live, or failed; null while under way. */
  finishedAt: string | null;
}

export interface TimelineSegment {
  commit: string;
  /** Milliseconds since the epoch, clipped to the period. */
  start: number;
  end: number;
  /** It began before the period (or ends after it): drawn as running off the edge. */
  clippedStart: boolean;
  clippedEnd: boolean;
  /** It serves now. */
  live: boolean;
}

export interface TimelineAttempt {
  commit: string;
  at: number;
  outcome: 'failed' | 'under way';
}

export interface TimelineRow {
  environment: string;
  segments: TimelineSegment[];
  attempts: TimelineAttempt[];
}

export interface EnvironmentTimeline {
  from: number;
  to: number;
  rows: TimelineRow[];
}

const SERVED = new Set(['live', 'replaced']);
const UNDER_WAY = new Set(['queued', 'building', 'deploying']);

/**
 * `window` is the period shown (ms since the epoch; `to` after `from`). `environments` come first in the given
 * order, each with a row even when nothing happened in the period; any other environment in the records gets a
 * row (sorted by name) only when something of it falls in the period.
 */
export function layoutEnvironmentTimeline(
  deployments: readonly TimelineDeployment[],
  window: { from: number; to: number },
  environments: readonly string[] = [],
): EnvironmentTimeline {
  const from = window.from;
  const to = Math.max(window.to, window.from + 1);
  const byEnv = new Map<string, TimelineDeployment[]>();
  for (const d of deployments) byEnv.set(d.environment, [...(byEnv.get(d.environment) ?? []), d]);
  const others = [...byEnv.keys()].filter((e) => !environments.includes(e)).sort();
  const rows: TimelineRow[] = [];
  for (const environment of [...new Set(environments), ...others]) {
    const row = rowOf(environment, byEnv.get(environment) ?? [], from, to);
    if (environments.includes(environment) || row.segments.length > 0 || row.attempts.length > 0) rows.push(row);
  }
  return { from, to, rows };
}

function rowOf(environment: string, records: readonly TimelineDeployment[], from: number, to: number): TimelineRow {
  const time = (iso: string | null) => (iso ? Date.parse(iso) : NaN);
  const served = records
    .filter((d) => SERVED.has(d.status) && Number.isFinite(time(d.finishedAt)))
    .sort((a, b) => time(a.finishedAt) - time(b.finishedAt) || time(a.createdAt) - time(b.createdAt));
  const segments: TimelineSegment[] = [];
  served.forEach((d, i) => {
    const start = time(d.finishedAt);
    const next = served[i + 1];
    const live = d.status === 'live' && !next;
    // A replaced record with no later live one (its environment was stopped or removed): it served until the
    // next thing that happened to the environment, which is the best the records know.
    const end = next ? time(next.finishedAt) : live ? to : (laterEvent(records, start) ?? start);
    if (end < from || start > to) return;
    segments.push({
      commit: d.commit,
      start: Math.max(start, from),
      end: Math.min(end, to),
      clippedStart: start < from,
      clippedEnd: end > to,
      live,
    });
  });
  const attempts: TimelineAttempt[] = [];
  for (const d of records) {
    const failed = d.status === 'failed';
    if (!failed && !UNDER_WAY.has(d.status)) continue;
    const at = failed ? (Number.isFinite(time(d.finishedAt)) ? time(d.finishedAt) : time(d.createdAt)) : time(d.createdAt);
    if (!Number.isFinite(at) || at < from || at > to) continue;
    attempts.push({ commit: d.commit, at, outcome: failed ? 'failed' : 'under way' });
  }
  attempts.sort((a, b) => a.at - b.at);
  return { environment, segments, attempts };
}

/** The first time after `t` that any record of the environment was created or finished. */
function laterEvent(records: readonly TimelineDeployment[], t: number): number | null {
  let best: number | null = null;
  for (const d of records) {
    for (const iso of [d.createdAt, d.finishedAt]) {
      const x = iso ? Date.parse(iso) : NaN;
      if (Number.isFinite(x) && x > t && (best === null || x < best)) best = x;
    }
  }
  return best;
}
