// Turns the recordings of one metric's runs into where the time went: the median of each phase (from one
// mark to the next) and the Docker API calls made per run.
import { formatTable, median, millis } from './format-table.js';
import type { Recording } from './trace-pipeline.js';

/** A phase runs from the first mark matching `from` to the first mark matching `to` after it. */
export type Phase = readonly [label: string, from: RegExp, to: RegExp];

export const PUSH_PHASES: readonly Phase[] = [
  ['git push → refs updated and the push reaches the pipeline', /^start$/, /^hook post-receive arrived/],
  // Only when the git bridge left the push to the pre-receive hook (it vets plain pushes to main itself).
  ['  of which: git push → pre-receive hook reaches the server', /^start$/, /^hook pre-receive arrived/],
  ['  of which: pre-receive answered → post-receive reaches the server', /^hook pre-receive answered/, /^hook post-receive arrived/],
  ['post-receive → build starts', /^hook post-receive arrived/, /^build building/],
  ['docker build (tar streamed from git archive)', /^build building/, /^build succeeded/],
  ['build done → candidate container requested', /^build succeeded/, /^deploy: starting/],
  ['container create', /^deploy: starting/, /^docker POST \/containers\/create/],
  ['container start', /^docker POST \/containers\/create/, /^docker POST \/containers\/\{id\}\/start/],
  ['started → health check 200', /^docker POST \/containers\/\{id\}\/start/, /^deploy: health check/],
  ['healthy → traffic switched', /^deploy: health check/, /^deploy: traffic for/],
  ['switched → new content seen', /^deploy: traffic for/, /^seen$/],
  ['seen → git push returns', /^seen$/, /^returned$/],
];

export const MOVE_PHASES: readonly Phase[] = [
  ['API call → production deploy starts', /^start$/, /^deployment prod deploying/],
  ['deploy starts → candidate container requested', /^deployment prod deploying/, /^deploy: starting/],
  // A rollback to a release kept warm: no container is created; it is woken (unpaused) and checked once.
  ['deploy starts → warm container woken', /^deployment prod deploying/, /^docker POST \/containers\/\{id\}\/unpause/],
  ['woken → health check 200', /^docker POST \/containers\/\{id\}\/unpause/, /^deploy: health check/],
  ['container create', /^deploy: starting/, /^docker POST \/containers\/create/],
  ['container start', /^docker POST \/containers\/create/, /^docker POST \/containers\/\{id\}\/start/],
  ['started → health check 200', /^docker POST \/containers\/\{id\}\/start/, /^deploy: health check/],
  ['healthy → traffic switched', /^deploy: health check/, /^deploy: traffic for/],
  ['switched → new content seen', /^deploy: traffic for/, /^seen$/],
  ['seen → API answers', /^seen$/, /^returned$/],
];

function phaseMs(r: Recording, phase: Phase): number | undefined {
  const from = r.first(phase[1]);
  if (from === undefined) return undefined;
  const to = r.first(phase[2], from);
  return to === undefined ? undefined : to - from;
}

export function formatPhases(title: string, recordings: readonly Recording[], phases: readonly Phase[]): string {
  const rows = phases.map((p) => {
    const xs = recordings.map((r) => phaseMs(r, p)).filter((x): x is number => x !== undefined);
    return [p[0], xs.length ? millis(median(xs)) : '–', xs.length ? millis(Math.min(...xs)) : '–', xs.length ? millis(Math.max(...xs)) : '–'];
  });
  const total = recordings.map((r) => (r.first(/^seen$/) ?? Number.NaN) - (r.first(/^start$/) ?? Number.NaN));
  rows.push(['total: start → new content seen', millis(median(total)), millis(Math.min(...total)), millis(Math.max(...total))]);
  return `${title}\n${formatTable(['phase (median of runs)', 'median', 'min', 'max'], rows)}`;
}

/** Docker API calls between the start and the moment the new content was seen, per run. */
export function formatDockerCalls(title: string, recordings: readonly Recording[]): string {
  const kinds = new Map<string, { counts: number[]; ms: number[] }>();
  recordings.forEach((r, i) => {
    const start = r.first(/^start$/) ?? -Infinity;
    const seen = r.first(/^seen$/) ?? Infinity;
    for (const c of r.calls) {
      if (c.start < start || c.start > seen) continue;
      const k = kinds.get(c.call) ?? { counts: recordings.map(() => 0), ms: recordings.map(() => 0) };
      k.counts[i]! += 1;
      k.ms[i]! += c.end - c.start;
      kinds.set(c.call, k);
    }
  });
  const rows = [...kinds.entries()]
    .sort((a, b) => median(b[1].ms) - median(a[1].ms))
    .map(([call, k]) => [call, String(median(k.counts)), millis(median(k.ms))]);
  return `${title}\n${formatTable(['Docker API call', 'calls per run (median)', 'time per run (median)'], rows)}`;
}
