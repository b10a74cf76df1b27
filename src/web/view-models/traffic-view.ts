// The app page's traffic charts: per environment, requests, error rate, p95 latency and memory over the last hour,
// day or two weeks, from the kept history, with a vertical line per deployment that went live in the window, and
// the same numbers as a table for screen readers. The home card's sparkline of requests comes from here too.
import { fillSeries, HOUR_MS, MINUTE_MS, pointValues, stepStart, TEN_MINUTES_MS, type PointValues } from '../../domain/traffic-series.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import type { HistoryStep } from '../../store/traffic-history-store.js';
import { renderChartSvg, renderSparklineSvg, timeLabel, type ChartMarker } from './chart-svg.js';

export type TrafficRange = 'hour' | 'day' | 'two-weeks';

interface RangeDef {
  title: string;
  spanMs: number;
  /** Step shown (a stored step, or hours summed from ten-minute rows). */
  stepMs: number;
  stored: HistoryStep;
  stepWords: string;
}

export const TRAFFIC_RANGES: Record<TrafficRange, RangeDef> = {
  hour: { title: 'Last hour', spanMs: HOUR_MS, stepMs: MINUTE_MS, stored: 60, stepWords: 'minute' },
  day: { title: 'Last day', spanMs: 24 * HOUR_MS, stepMs: TEN_MINUTES_MS, stored: 600, stepWords: '10 minutes' },
  'two-weeks': { title: 'Last two weeks', spanMs: 14 * 24 * HOUR_MS, stepMs: HOUR_MS, stored: 600, stepWords: 'hour' },
};

export function parseTrafficRange(value: unknown): TrafficRange {
  return value === 'day' || value === 'two-weeks' ? value : 'hour';
}

export interface TrafficRowView extends PointValues {
  time: string;
  iso: string;
  memoryMiB: number | null;
}

export interface TrafficChartView {
  name: 'requests' | 'error-rate' | 'p95' | 'memory';
  title: string;
  /** The SVG (escaped by renderChartSvg); handed to the template through the macro's explicit `svg` parameter. */
  svg: string;
}

export interface EnvironmentTrafficView {
  environment: string;
  title: string;
  charts: TrafficChartView[];
  rows: TrafficRowView[];
  /** Short commit (as the markers say it) and when it went live. */
  deployments: { commit: string; at: string }[];
  /** No request and no memory sample in the window. */
  empty: boolean;
}

export interface TrafficView {
  range: TrafficRange;
  ranges: { id: TrafficRange; title: string; current: boolean; href: string }[];
  stepWords: string;
  /** Why requests are not measured (Kubernetes: Traefik, not Slipway, serves app traffic), or null. */
  trafficNote: string | null;
  environments: EnvironmentTrafficView[];
}

const mib = (bytes: number | null) => (bytes === null ? null : Math.round((bytes / 1048576) * 10) / 10);

export function trafficView(read: Pick<PipelineReads, 'config' | 'store'>, app: string, range: TrafficRange, now = Date.now()): TrafficView {
  const r = TRAFFIC_RANGES[range];
  const to = stepStart(now, r.stepMs) + r.stepMs;
  const from = to - r.spanMs;
  // Deployments that went live in the window (newest first in the store); a failed one changed nothing served.
  const wentLive = read.store.deployments
    .list(app, 500)
    .filter((d) => (d.status === 'live' || d.status === 'replaced') && d.finishedAt && Date.parse(d.finishedAt) >= from);
  const environments = read.config.environments.map((env): EnvironmentTrafficView => {
    const stored = read.store.trafficHistory.list(app, env.name, r.stored, from, to);
    const points = fillSeries(stored, from, to, r.stepMs);
    const values = points.map((p) => ({ t: p.start, ...pointValues(p) }));
    const deployed = wentLive.filter((d) => d.environment === env.name).reverse();
    const markers: ChartMarker[] = deployed.map((d) => ({ t: Date.parse(d.finishedAt!), label: d.commit.slice(0, 7) }));
    const chart = (name: TrafficChartView['name'], title: string, pick: (v: (typeof values)[number]) => number | null, format: (v: number) => string) => ({
      name,
      title,
      svg: renderChartSvg({
        title: `${title}, ${env.title}`,
        from,
        to,
        stepMs: r.stepMs,
        points: values.map((v) => ({ t: v.t, value: pick(v) })),
        markers,
        format,
      }),
    });
    return {
      environment: env.name,
      title: env.title,
      charts: [
        chart(
          'requests',
          `Requests per ${r.stepWords}`,
          (v) => v.requests,
          (v) => String(v),
        ),
        chart(
          'error-rate',
          'Error rate (5xx)',
          (v) => v.errorRate,
          (v) => `${v}%`,
        ),
        chart(
          'p95',
          'Latency p95',
          (v) => v.p95Ms,
          (v) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`),
        ),
        chart(
          'memory',
          'Memory',
          (v) => mib(v.memoryBytes),
          (v) => `${v} MiB`,
        ),
      ],
      rows: values.map((v) => ({
        ...v,
        time: timeLabel(v.t, Math.min(r.spanMs, 24 * HOUR_MS)),
        iso: new Date(v.t).toISOString(),
        memoryMiB: mib(v.memoryBytes),
      })),
      deployments: deployed.map((d) => ({ commit: d.commit.slice(0, 7), at: d.finishedAt! })),
      empty: values.every((v) => v.requests === 0 && v.memoryBytes === null),
    };
  });
  return {
    range,
    ranges: (Object.keys(TRAFFIC_RANGES) as TrafficRange[]).map((id) => ({
      id,
      title: TRAFFIC_RANGES[id].title,
      current: id === range,
      href: `/apps/${app}?range=${id}#traffic`,
    })),
    stepWords: r.stepWords,
    trafficNote:
      read.config.runtime === 'kubernetes'
        ? "On Kubernetes the cluster's ingress (Traefik), not Slipway, serves app traffic: requests and latency are not measured here."
        : null,
    environments,
  };
}

/** Requests of all the app's environments over the last 24 hours, per ten minutes (the home card). */
export function requestsSparkline(read: Pick<PipelineReads, 'store'>, app: string, now = Date.now()): { svg: string; total: number } {
  const to = stepStart(now, TEN_MINUTES_MS) + TEN_MINUTES_MS;
  const from = to - 24 * HOUR_MS;
  const byStart = new Map(read.store.trafficHistory.requests(app, 600, from).map((r) => [r.start, r.requests]));
  const points = [];
  for (let t = from; t < to; t += TEN_MINUTES_MS) points.push({ t, value: byStart.get(t) ?? 0 });
  const total = points.reduce((a, p) => a + p.value, 0);
  return { svg: renderSparklineSvg(points, `Requests in the last 24 hours: ${total}`), total };
}
