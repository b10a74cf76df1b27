// A time-series chart as server-rendered SVG: a pure function of the series, the window and the deploy markers.
// No script and no inline style (the pages' CSP allows neither): colours come from classes in static/slipway.css.
// The viewBox scales to the container's width, so the same chart reads on a phone.

export interface ChartPoint {
  /** Start of the step, ms since the epoch. */
  t: number;
  /** null: nothing to draw (a gap), e.g. no memory sample or an error rate without requests. */
  value: number | null;
}

export interface ChartMarker {
  t: number;
  /** What the marker says (a deployment's short commit). */
  label: string;
}

export interface ChartInput {
  /** The chart's accessible name, e.g. "Requests per minute, preview". */
  title: string;
  from: number;
  to: number;
  stepMs: number;
  points: readonly ChartPoint[];
  markers: readonly ChartMarker[];
  /** How a value is written on the axis (units included). */
  format: (v: number) => string;
}

export const CHART = { width: 400, height: 150, left: 46, right: 8, top: 18, bottom: 20 } as const;
const plotWidth = CHART.width - CHART.left - CHART.right;
const plotHeight = CHART.height - CHART.top - CHART.bottom;

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The smallest 1, 2 or 5 × 10^n at least `v` (1 for nothing to show), so the axis reads as a round number. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= v) return m * magnitude;
  return 10 * magnitude;
}

/** x of a time in the plot (a step is drawn at its middle). */
export function xOf(t: number, from: number, to: number): number {
  return CHART.left + ((t - from) / (to - from)) * plotWidth;
}

/** y of a value on an axis from 0 to `max`. */
export function yOf(v: number, max: number): number {
  return CHART.top + plotHeight - (v / max) * plotHeight;
}

const two = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A time on the axis (UTC): the hour within a day's window, the date beyond. */
export function timeLabel(t: number, spanMs: number): string {
  const d = new Date(t);
  return spanMs <= 24 * 3600_000 ? `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}` : `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
}

const n = (v: number) => String(Math.round(v * 10) / 10);

export function renderChartSvg(c: ChartInput): string {
  const drawn = c.points.filter((p): p is { t: number; value: number } => p.value !== null);
  const max = niceMax(Math.max(0, ...drawn.map((p) => p.value)));
  const x = (t: number) => xOf(t + c.stepMs / 2, c.from, c.to);
  const bottom = CHART.top + plotHeight;
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" aria-label="${escapeXml(c.title)}" data-max="${max}" data-points="${drawn.length}" xmlns="http://www.w3.org/2000/svg">`,
  );
  parts.push(`<title>${escapeXml(c.title)}</title>`);
  // Axes: the top of the scale and zero, and the window's ends.
  parts.push(`<line class="chart-grid" x1="${CHART.left}" x2="${CHART.width - CHART.right}" y1="${CHART.top}" y2="${CHART.top}"/>`);
  parts.push(`<line class="chart-axis" x1="${CHART.left}" x2="${CHART.width - CHART.right}" y1="${bottom}" y2="${bottom}"/>`);
  parts.push(`<text class="chart-label" x="${CHART.left - 4}" y="${CHART.top + 4}" text-anchor="end" data-axis="max">${escapeXml(c.format(max))}</text>`);
  parts.push(`<text class="chart-label" x="${CHART.left - 4}" y="${bottom}" text-anchor="end">${escapeXml(c.format(0))}</text>`);
  const span = c.to - c.from;
  parts.push(`<text class="chart-label" x="${CHART.left}" y="${CHART.height - 4}">${timeLabel(c.from, span)}</text>`);
  parts.push(`<text class="chart-label" x="${CHART.width - CHART.right}" y="${CHART.height - 4}" text-anchor="end">${timeLabel(c.to, span)} UTC</text>`);

  if (drawn.length === 0) {
    parts.push(
      `<text class="chart-empty" x="${CHART.left + plotWidth / 2}" y="${CHART.top + plotHeight / 2}" text-anchor="middle">No data in this window</text>`,
    );
  } else {
    // One path, lifted at each gap, so a missing sample is not drawn as a line through it.
    let d = '';
    let pen = false;
    for (const p of c.points) {
      if (p.value === null) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${n(x(p.t))} ${n(yOf(p.value, max))}`;
      pen = true;
    }
    parts.push(`<path class="chart-line" d="${d}"/>`);
    // A lone point between gaps has no line: a dot shows it.
    for (let i = 0; i < c.points.length; i++) {
      const p = c.points[i]!;
      if (p.value !== null && (c.points[i - 1]?.value ?? null) === null && (c.points[i + 1]?.value ?? null) === null)
        parts.push(`<circle class="chart-dot" cx="${n(x(p.t))}" cy="${n(yOf(p.value, max))}" r="2"/>`);
    }
  }

  for (const m of c.markers) {
    if (m.t < c.from || m.t >= c.to) continue;
    const mx = n(xOf(m.t, c.from, c.to));
    parts.push(
      `<g class="chart-marker" data-marker="${escapeXml(m.label)}"><line x1="${mx}" x2="${mx}" y1="${CHART.top - 2}" y2="${bottom}"/><text x="${mx}" y="${CHART.top - 6}" text-anchor="middle">${escapeXml(m.label)}</text></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** A small line of requests for the home page's app card: no axes, no labels (the card says what it is). */
export function renderSparklineSvg(points: readonly ChartPoint[], label: string): string {
  const w = 120;
  const h = 28;
  const drawn = points.map((p) => p.value ?? 0);
  const max = Math.max(1, ...drawn);
  const step = drawn.length > 1 ? w / (drawn.length - 1) : 0;
  const d = drawn.map((v, i) => `${i === 0 ? 'M' : 'L'}${n(i * step)} ${n(h - 1 - (v / max) * (h - 2))}`).join('');
  return (
    `<svg class="sparkline" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeXml(label)}" data-total="${drawn.reduce((a, b) => a + b, 0)}" xmlns="http://www.w3.org/2000/svg">` +
    `<title>${escapeXml(label)}</title>${d ? `<path class="chart-line" d="${d}"/>` : ''}</svg>`
  );
}
