import { describe, expect, it } from 'vitest';
import { CHART, niceMax, renderChartSvg, renderSparklineSvg, xOf, yOf } from '../../../src/web/view-models/chart-svg.js';

const FROM = Date.UTC(2026, 11, 1, 12, 0);
const STEP = 60_000;
const TO = FROM + 60 * STEP;
const points = (values: (number | null)[]) => values.map((value, i) => ({ t: FROM + i * STEP, value }));
const chart = (values: (number | null)[], markers: { t: number; label: string }[] = []) =>
  renderChartSvg({ title: 'Requests per minute, Preview', from: FROM, to: TO, stepMs: STEP, points: points(values), markers, format: String });

/** The coordinates of the line's path, in order. */
function pathPoints(svg: string): { cmd: string; x: number; y: number }[] {
  const d = /class="chart-line" d="([^"]*)"/.exec(svg)?.[1] ?? '';
  return [...d.matchAll(/([ML])([\d.]+) ([\d.]+)/g)].map((m) => ({ cmd: m[1]!, x: Number(m[2]), y: Number(m[3]) }));
}

describe('niceMax', () => {
  it('rounds the top of the scale up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 0.3, 1, 3, 7, 12, 180, 2001].map(niceMax)).toEqual([1, 0.5, 1, 5, 10, 20, 200, 5000]);
  });
});

describe('renderChartSvg', () => {
  it('scales values to the plot: the largest near the top of a round scale, zero on the axis', () => {
    const svg = chart([0, 40, 80]);
    expect(svg).toContain('data-max="100"');
    expect(svg).toMatch(/data-axis="max">100</);
    const [a, b, c] = pathPoints(svg);
    expect(a!.y).toBe(CHART.height - CHART.bottom); // 0 sits on the axis
    expect(c!.y).toBeCloseTo(yOf(80, 100), 1);
    expect(b!.y - c!.y).toBeCloseTo(a!.y - b!.y, 1); // linear
    // Each step is drawn at its middle, in time order, left to right.
    expect(a!.x).toBeCloseTo(xOf(FROM + STEP / 2, FROM, TO), 1);
    expect(a!.x < b!.x && b!.x < c!.x).toBe(true);
  });

  it('lifts the pen at a gap instead of drawing through it, and shows a lone point as a dot', () => {
    const svg = chart([5, 6, null, 7, null, 8, 9]);
    expect(pathPoints(svg).map((p) => p.cmd)).toEqual(['M', 'L', 'M', 'M', 'L']);
    expect(svg.match(/<circle/g)).toHaveLength(1);
  });

  it('draws each deployment in the window as a labelled vertical line at its time, and none outside', () => {
    const at = FROM + 30 * STEP;
    const svg = chart(
      [1, 2, 3],
      [
        { t: at, label: 'abc1234' },
        { t: FROM - STEP, label: 'before0' },
        { t: TO, label: 'after00' },
      ],
    );
    const markers = [...svg.matchAll(/data-marker="([^"]+)"><line x1="([\d.]+)" x2="([\d.]+)"/g)];
    expect(markers.map((m) => m[1])).toEqual(['abc1234']);
    expect(Number(markers[0]![2])).toBeCloseTo(xOf(at, FROM, TO), 1);
    expect(markers[0]![2]).toBe(markers[0]![3]);
    expect(svg).toContain('>abc1234</text>');
  });

  it('says there is no data when the series is empty, and still draws axes and markers', () => {
    const svg = chart([null, null], [{ t: FROM + STEP, label: 'abc1234' }]);
    expect(svg).toContain('No data in this window');
    expect(svg).not.toContain('chart-line');
    expect(svg).toContain('data-points="0"');
    expect(svg).toContain('data-marker="abc1234"');
  });

  it('escapes every text it is given', () => {
    const svg = renderChartSvg({
      title: '<script>x</script>',
      from: FROM,
      to: TO,
      stepMs: STEP,
      points: [],
      markers: [{ t: FROM, label: '"><b>' }],
      format: String,
    });
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('"><b>');
  });

  it('labels the window with times for a day or less and with dates beyond', () => {
    expect(chart([1])).toContain('>12:00</text>');
    const twoWeeks = renderChartSvg({ title: 't', from: FROM, to: FROM + 14 * 86_400_000, stepMs: 3_600_000, points: [], markers: [], format: String });
    expect(twoWeeks).toContain('>Dec 1</text>');
    expect(twoWeeks).toContain('>Dec 15 UTC</text>');
  });
});

describe('renderSparklineSvg', () => {
  it('draws one point per step and carries the total', () => {
    const svg = renderSparklineSvg(points([0, 4, 2]), 'Requests');
    expect(svg).toContain('data-total="6"');
    expect(pathPoints(svg)).toHaveLength(3);
  });
});
