// The commit graph of a history page as an SVG picture: the layout (src/domain/layout-commit-graph.ts) turned
// into pixel positions, edge paths and labels. Text is measured by counting characters of a monospace font (the
// server knows no font metrics), and pill labels get `textLength`, so that a label never runs into the next one
// even in a wider font. Every string here ends up in an SVG text node or attribute through autoescape.
import type { GraphLayout, GraphPoint } from '../../domain/layout-commit-graph.js';
import type { Marker } from './history-view.js';

/** Pixels: row height, lane width, the monospace font's size and advance (DejaVu/Liberation Mono: 0.6 em). */
export const GRAPH_METRICS = { row: 28, lane: 16, pad: 10, font: 12, char: 7.3, pillPad: 5, pillGap: 4, pillHeight: 18 } as const;
const MAX_LABEL = 24;
const MAX_SUBJECT = 72;
const PALETTE = 8;

export interface GraphCommitRow {
  sha: string;
  subject: string;
  markers: readonly Marker[];
}

export interface GraphPill {
  kind: Marker['kind'];
  /** The whole label (a branch, tag or environment name); `text` is what fits. */
  label: string;
  text: string;
  /** What a pointer shows: the whole label and what it means. */
  title: string;
  x: number;
  width: number;
  textX: number;
  textLength: number;
}

export interface GraphRowView {
  sha: string;
  short: string;
  /** Baseline of the row's text. */
  y: number;
  /** Top of the row's pills. */
  pillY: number;
  shaX: number;
  pills: GraphPill[];
  subjectX: number;
  subject: string;
  /** The whole subject when it was shortened. */
  fullSubject: string;
}

export interface GraphEdgeView {
  d: string;
  colour: number;
  kind: 'first' | 'merge';
  off: 'top' | 'bottom' | 'both' | null;
  from: string | null;
  to: string | null;
}

export interface GraphNodeView {
  sha: string;
  cx: number;
  cy: number;
  colour: number;
  merge: boolean;
}

export interface CommitGraphView {
  width: number;
  height: number;
  lanes: number;
  title: string;
  desc: string;
  edges: GraphEdgeView[];
  nodes: GraphNodeView[];
  rows: GraphRowView[];
}

const PILL_KINDS: ReadonlyArray<Marker['kind']> = ['branch', 'tag', 'runs'];

export function commitGraphView(
  layout: GraphLayout,
  commits: readonly GraphCommitRow[],
  caption: { app: string; page: number; pages: number },
): CommitGraphView {
  const m = GRAPH_METRICS;
  const n = layout.rows.length;
  const top = m.pad;
  const laneX = (lane: number) => m.pad + lane * m.lane + m.lane / 2;
  const rowY = (row: number) => top + row * m.row + m.row / 2;
  const height = top + n * m.row + m.pad;
  // Off the page: the top and bottom edges of the picture.
  const y = (row: number) => (row < 0 ? 0 : row >= n ? height : rowY(row));
  const textStart = m.pad + Math.max(1, layout.lanes) * m.lane + 8;
  const byShaRow = new Map(commits.map((c) => [c.sha, c]));

  const edges = layout.edges.map((e): GraphEdgeView => {
    const offTop = e.from.row < 0;
    const offBottom = e.to.row >= n;
    return {
      d: edgePath(e.from, e.to, e.via, laneX, y),
      colour: e.via % PALETTE,
      kind: e.kind,
      off: offTop && offBottom ? 'both' : offTop ? 'top' : offBottom ? 'bottom' : null,
      from: offTop ? null : e.childSha,
      to: offBottom ? null : e.parentSha,
    };
  });
  const nodes = layout.rows.map((r, i): GraphNodeView => ({ sha: r.sha, cx: laneX(r.lane), cy: rowY(i), colour: r.lane % PALETTE, merge: r.merge }));

  let width = textStart;
  const rows = layout.rows.map((r, i): GraphRowView => {
    const c = byShaRow.get(r.sha);
    const short = r.sha.slice(0, 7);
    const shaX = textStart;
    let x = shaX + short.length * m.char + 10;
    const pills: GraphPill[] = [];
    for (const kind of PILL_KINDS) {
      for (const marker of (c?.markers ?? []).filter((mk) => mk.kind === kind)) {
        const text = clamp(marker.label, MAX_LABEL);
        const textLength = round(chars(text) * m.char);
        const pillWidth = round(textLength + 2 * m.pillPad);
        pills.push({ kind, label: marker.label, text, title: pillTitle(marker), x: round(x), width: pillWidth, textX: round(x + m.pillPad), textLength });
        x += pillWidth + m.pillGap;
      }
    }
    if (pills.length > 0) x += 6;
    const fullSubject = c?.subject || '(no message)';
    const subject = clamp(fullSubject, MAX_SUBJECT);
    width = Math.max(width, x + chars(subject) * m.char + m.pad);
    const cy = rowY(i);
    return {
      sha: r.sha,
      short,
      y: round(cy + m.font * 0.35),
      pillY: round(cy - m.pillHeight / 2),
      shaX: round(shaX),
      pills,
      subjectX: round(x),
      subject,
      fullSubject,
    };
  });

  return {
    width: Math.ceil(width),
    height,
    lanes: layout.lanes,
    title: `Commit graph of ${caption.app}${caption.pages > 1 ? `, page ${caption.page} of ${caption.pages}` : ''}`,
    desc: describe(layout, commits),
    edges,
    nodes,
    rows,
  };
}

/**
 * An edge down its lane: from the child, a bend into the lane it runs in (over one row), straight down, and a
 * bend into the parent's lane over the last row. Two rows apart or less, one curve from child to parent.
 */
function edgePath(from: GraphPoint, to: GraphPoint, via: number, laneX: (l: number) => number, y: (r: number) => number): string {
  const x0 = laneX(from.row < 0 ? via : from.lane);
  const y0 = y(from.row);
  const x1 = laneX(to.lane);
  const y1 = y(to.row);
  const xv = laneX(via);
  const curve = (ax: number, ay: number, bx: number, by: number) => {
    const mid = round((ay + by) / 2);
    return ax === bx ? `L${round(bx)} ${round(by)}` : `C${round(ax)} ${mid} ${round(bx)} ${mid} ${round(bx)} ${round(by)}`;
  };
  const parts = [`M${round(x0)} ${round(y0)}`];
  if (to.row - from.row <= 1 || (x0 === xv && x1 === xv)) {
    parts.push(x0 === x1 ? `L${round(x1)} ${round(y1)}` : curve(x0, y0, x1, y1));
    return parts.join(' ');
  }
  const bendIn = y(from.row + 1);
  const bendOut = y(to.row - 1);
  parts.push(x0 === xv ? '' : curve(x0, y0, xv, bendIn));
  parts.push(`L${round(xv)} ${round(x1 === xv ? y1 : bendOut)}`);
  if (x1 !== xv) parts.push(curve(xv, bendOut, x1, y1));
  return parts.filter(Boolean).join(' ');
}

/** The picture in words: what a screen reader says for it (the list below has every commit). */
function describe(layout: GraphLayout, commits: readonly GraphCommitRow[]): string {
  const n = layout.rows.length;
  const merges = layout.rows.filter((r) => r.merge).length;
  const parts = [
    `${n} commit${n === 1 ? '' : 's'} in ${layout.lanes} lane${layout.lanes === 1 ? '' : 's'}, newest at the top${merges ? `, ${merges} of them merges` : ''}.`,
  ];
  const of = (kind: Marker['kind']) => commits.flatMap((c) => c.markers.filter((mk) => mk.kind === kind).map((mk) => `${mk.label} at ${c.sha.slice(0, 7)}`));
  const branches = of('branch');
  const tags = of('tag');
  const runs = of('runs');
  if (branches.length) parts.push(`Branches: ${branches.join(', ')}.`);
  if (tags.length) parts.push(`Tags: ${tags.join(', ')}.`);
  if (runs.length) parts.push(`Running now: ${runs.join(', ')}.`);
  if (layout.edges.some((e) => e.to.row >= n)) parts.push('Lines at the bottom continue on the next page.');
  return parts.join(' ');
}

function pillTitle(m: Marker): string {
  if (m.kind === 'branch') return `branch ${m.label}`;
  if (m.kind === 'tag') return `tag ${m.label}`;
  return `${m.label} runs this commit`;
}

/** Characters as a monospace font draws them (code points, not UTF-16 units). */
function chars(text: string): number {
  return [...text].length;
}

function clamp(text: string, max: number): string {
  const all = [...text];
  return all.length <= max ? text : `${all.slice(0, max - 1).join('')}…`;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
