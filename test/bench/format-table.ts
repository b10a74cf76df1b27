// Statistics and plain-text tables for the benchmark's output (also pasted into the README as is).

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function seconds(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '–';
}

export function millis(ms: number): string {
  return Number.isFinite(ms) ? `${Math.round(ms)} ms` : '–';
}

export interface ResultRow {
  metric: string;
  samples: readonly number[];
  /** The same change done by hand, measured in the same run. */
  floor: readonly number[];
  /** Median must be at most this. */
  targetMs: number;
  /** Median / floor median must be at most this (when set). */
  maxRatio?: number;
}

export interface Verdict {
  row: ResultRow;
  median: number;
  floorMedian: number;
  ratio: number;
  pass: boolean;
  misses: string[];
}

export function judge(row: ResultRow): Verdict {
  const m = median(row.samples);
  const f = median(row.floor);
  const ratio = m / f;
  const misses: string[] = [];
  if (!(m <= row.targetMs)) misses.push(`median ${seconds(m)} > ${seconds(row.targetMs)}`);
  if (row.maxRatio !== undefined && !(ratio <= row.maxRatio)) misses.push(`${ratio.toFixed(2)}× the floor > ${row.maxRatio}×`);
  return { row, median: m, floorMedian: f, ratio, pass: misses.length === 0, misses };
}

/** A left-aligned text table with a header rule. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function formatVerdicts(verdicts: readonly Verdict[]): string {
  return formatTable(
    ['metric', 'runs', 'median', 'min', 'max', 'floor (by hand)', 'ratio', 'target', 'result'],
    verdicts.map((v) => [
      v.row.metric,
      String(v.row.samples.length),
      seconds(v.median),
      seconds(Math.min(...v.row.samples)),
      seconds(Math.max(...v.row.samples)),
      seconds(v.floorMedian),
      Number.isFinite(v.ratio) ? `${v.ratio.toFixed(2)}×` : '–',
      `≤ ${seconds(v.row.targetMs)}${v.row.maxRatio !== undefined ? `, ≤ ${v.row.maxRatio}× floor` : ''}`,
      v.pass ? 'pass' : 'MISSED',
    ]),
  );
}

/** A figure that is a value rather than a median of runs (a peak, a ratio of one run): what it is and its target. */
export interface ValueRow {
  metric: string;
  value: string;
  /** Empty: shown for reference, no target. */
  target: string;
  pass: boolean;
  /** Why it missed, when it did. */
  note?: string;
}

export function formatValueRows(rows: readonly ValueRow[]): string {
  return formatTable(
    ['metric', 'value', 'target', 'result'],
    rows.map((r) => [r.metric, r.value, r.target || '–', r.target ? (r.pass ? 'pass' : `MISSED${r.note ? ` (${r.note})` : ''}`) : '']),
  );
}
