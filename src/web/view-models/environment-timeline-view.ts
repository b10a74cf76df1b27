// The timeline beside the commit graph as an SVG picture: one row per environment, each commit that served a
// segment (src/domain/layout-environment-timeline.ts) placed on a time axis, failed attempts as crosses. Also
// the same facts as sentences, for the list under the picture and the picture's description.
import type { EnvironmentTimeline, TimelineSegment } from '../../domain/layout-environment-timeline.js';

export const TIMELINE_METRICS = { width: 460, pad: 10, labelWidth: 120, row: 34, bar: 16, char: 7.3, axis: 30 } as const;
const MAX_LABEL = 15;

export interface TimelineSegmentView {
  commit: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Alternating shades so that two segments side by side stay apart. */
  shade: number;
  live: boolean;
  clippedStart: boolean;
  clippedEnd: boolean;
  /** Drawn inside the bar when it fits (a release tag, else the short commit). */
  label: string | null;
  labelX: number;
  title: string;
}

export interface TimelineAttemptView {
  commit: string;
  x: number;
  y: number;
  outcome: 'failed' | 'under way';
  /** A cross for a failed attempt (a circle is drawn for one under way). */
  d: string;
  title: string;
}

export interface TimelineRowView {
  environment: string;
  label: string;
  labelY: number;
  trackY: number;
  segments: TimelineSegmentView[];
  attempts: TimelineAttemptView[];
  /** The row in words, for the list under the picture. */
  sentences: string[];
}

export interface EnvironmentTimelineView {
  width: number;
  height: number;
  title: string;
  desc: string;
  trackX: number;
  trackWidth: number;
  axisY: number;
  ticks: { x: number; text: string; anchor: 'start' | 'middle' | 'end' }[];
  /** The period in words (UTC). */
  period: string;
  rows: TimelineRowView[];
  empty: boolean;
}

export interface TimelineNames {
  /** What people call an environment (its title), by name; any other name is shown as it is. */
  titles: ReadonlyMap<string, string>;
  /** Release tags by commit. */
  tags: ReadonlyMap<string, string[]>;
}

export function environmentTimelineView(timeline: EnvironmentTimeline, names: TimelineNames, app: string): EnvironmentTimelineView {
  const m = TIMELINE_METRICS;
  const trackX = m.pad + m.labelWidth;
  const trackWidth = m.width - trackX - m.pad;
  const span = Math.max(1, timeline.to - timeline.from);
  const xOf = (t: number) => round(trackX + ((t - timeline.from) / span) * trackWidth);
  const format = timeFormat(span);

  const rows = timeline.rows.map((r, i): TimelineRowView => {
    const label = names.titles.get(r.environment) ?? r.environment;
    const centre = m.pad + i * m.row + m.row / 2;
    const barY = round(centre - m.bar / 2);
    const nameOf = (commit: string) => names.tags.get(commit)?.[0] ?? commit.slice(0, 7);
    const segments = r.segments.map((s, k): TimelineSegmentView => {
      const x = xOf(s.start);
      const width = Math.max(2, round(xOf(s.end) - x));
      const text = nameOf(s.commit);
      const fits = [...text].length * m.char + 8 <= width;
      return {
        commit: s.commit,
        x,
        y: barY,
        width,
        height: m.bar,
        shade: k % 2,
        live: s.live,
        clippedStart: s.clippedStart,
        clippedEnd: s.clippedEnd,
        label: fits ? text : null,
        labelX: round(x + 4),
        title: segmentSentence(label, text, s),
      };
    });
    const attempts = r.attempts.map((a): TimelineAttemptView => ({
      commit: a.commit,
      x: xOf(a.at),
      // Just above the bar, so that a cross never hides a segment's label.
      y: round(barY - 5),
      outcome: a.outcome,
      d: cross(xOf(a.at), barY - 5, 4),
      title: `${label}: ${a.outcome === 'failed' ? 'failed attempt' : 'deployment under way'} of ${nameOf(a.commit)} at ${iso(a.at)}`,
    }));
    const sentences = [...segments.map((s) => s.title), ...attempts.map((a) => a.title)];
    if (sentences.length === 0) sentences.push(`${label}: nothing ran in this period`);
    return { environment: r.environment, label: clamp(label, MAX_LABEL), labelY: round(centre + 4), trackY: barY, segments, attempts, sentences };
  });

  const axisY = m.pad + rows.length * m.row + 6;
  const failed = rows.reduce((n, r) => n + r.attempts.filter((a) => a.outcome === 'failed').length, 0);
  const period = `${iso(timeline.from)} to ${iso(timeline.to)}`;
  return {
    width: m.width,
    height: axisY + m.axis,
    title: `Where each environment of ${app} was, ${period}`,
    desc: [
      `One row per environment (${rows.map((r) => r.label).join(', ') || 'none'}); each bar is a commit serving from when it went live until the next one did.`,
      failed ? `${failed} failed attempt${failed === 1 ? '' : 's'} marked with a cross.` : '',
      ...rows.map((r) => r.sentences.join('; ') + '.'),
    ]
      .filter(Boolean)
      .join(' '),
    trackX,
    trackWidth,
    axisY,
    ticks: [
      { x: trackX, text: format(timeline.from), anchor: 'start' },
      { x: round(trackX + trackWidth / 2), text: format(timeline.from + span / 2), anchor: 'middle' },
      { x: trackX + trackWidth, text: format(timeline.to), anchor: 'end' },
    ],
    period,
    rows,
    empty: rows.every((r) => r.segments.length === 0 && r.attempts.length === 0),
  };
}

function segmentSentence(env: string, name: string, s: TimelineSegment): string {
  const since = `${s.clippedStart ? 'before ' : ''}${iso(s.start)}`;
  if (s.live) return `${env} runs ${name} since ${since}`;
  return `${env} ran ${name} from ${since} until ${s.clippedEnd ? 'after ' : ''}${iso(s.end)}`;
}

/** Tick labels short enough for three to fit the axis: the time of day for short periods, the date for long ones. */
function timeFormat(span: number): (t: number) => string {
  const hour = 3_600_000;
  if (span <= 2 * hour) return (t) => iso(t).slice(11, 19);
  if (span <= 36 * hour) return (t) => iso(t).slice(5, 16).replace('T', ' ');
  return (t) => iso(t).slice(0, 10);
}

function cross(x: number, y: number, r: number): string {
  const [l, rt, t, b] = [x - r, x + r, y - r, y + r].map(round);
  return `M${l} ${t} L${rt} ${b} M${rt} ${t} L${l} ${b}`;
}

function iso(t: number): string {
  return new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

function clamp(text: string, max: number): string {
  const all = [...text];
  return all.length <= max ? text : `${all.slice(0, max - 1).join('')}…`;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
