// Metrics in Prometheus' text format (GET /metrics) and the kept traffic history behind the UI's charts.
// Sources: Slipway's proxy (app traffic, Docker runtime), the pipeline's events (pushes, builds, deployments,
// generations), the runtime's CPU and memory per environment, and the process itself. Labels are app, environment
// and small fixed sets (status class, outcome): never a commit, a path or a host, so series stay apps × environments.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LATENCY_BOUNDS_MS } from '../domain/traffic-series.js';
import type { AppTrafficObserver } from '../runtime/proxy/create-app-proxy.js';
import { messageOf } from '../shared/errors.js';
import type { PipelineDeps } from './deps.js';
import type { PipelineEvent } from './pipeline-events.js';
import { createTrafficRecorder } from './traffic-recorder.js';

/** How often collected traffic is written to the history (one transaction each time). */
export const FLUSH_INTERVAL_MS = 15_000;
/** How often the runtime is asked for CPU and memory. */
export const USAGE_INTERVAL_MS = 60_000;

const DURATION_BUCKETS_S = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200];

export interface Metrics {
  /** What Slipway's proxy reports (compose.ts hands it to createAppProxy). */
  readonly traffic: AppTrafficObserver;
  /** The text a Prometheus server scrapes, and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
  /** Writes the traffic collected since the last flush to the history; returns the rows written. */
  flush(now?: number): number;
  /** Asks the runtime for CPU and memory of every environment now. */
  sampleUsage(): Promise<void>;
  /** Forgets a deleted app's series. */
  forgetApp(app: string): void;
  /** Timers (the server only: the CLI's pipeline never starts them). */
  start(): void;
  /** Stops the timers and writes what is collected. */
  stop(): void;
}

function statusClass(status: number | null): string {
  return status === null ? 'aborted' : `${Math.floor(status / 100)}xx`;
}

export function createMetrics(deps: Pick<PipelineDeps, 'config' | 'store' | 'events' | 'runtime' | 'log'>): Metrics {
  const { store, log } = deps;
  const registry = new Registry();
  const recorder = createTrafficRecorder(store);
  const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers: [registry] });
  const gauge = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers: [registry] });
  const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
    new Histogram({ name, help, labelNames, buckets, registers: [registry] });

  const byEnv = ['app', 'environment'];
  const requests = counter('slipway_app_requests_total', "Requests through Slipway's proxy by status class (aborted: the client left)", [
    ...byEnv,
    'status_class',
  ]);
  const duration = histogram(
    'slipway_app_request_duration_seconds',
    "Time from a request reaching Slipway's proxy to the last byte of its answer",
    byEnv,
    LATENCY_BOUNDS_MS.map((ms) => ms / 1000),
  );
  const bytesIn = counter('slipway_app_request_bytes_total', "Request body bytes read by Slipway's proxy", byEnv);
  const bytesOut = counter('slipway_app_response_bytes_total', "Response bytes (headers included) written by Slipway's proxy", byEnv);
  const sockets = gauge('slipway_app_websocket_connections', "WebSockets open through Slipway's proxy", byEnv);
  const measured = gauge(
    'slipway_app_traffic_measured',
    "1 when app traffic goes through Slipway's proxy (Docker runtime) and the slipway_app_* series are measured; 0 on Kubernetes, where Traefik serves it",
    ['runtime'],
  );
  measured.set({ runtime: deps.runtime.kind }, deps.runtime.kind === 'docker' ? 1 : 0);

  const pushes = counter('slipway_pushes_total', 'git pushes received', ['app']);
  const builds = counter('slipway_builds_total', 'Builds by outcome (reused: the image was there already)', ['app', 'outcome']);
  const buildSeconds = histogram('slipway_build_duration_seconds', 'Build time of builds that ran', ['app', 'outcome'], DURATION_BUCKETS_S);
  const deployments = counter('slipway_deployments_total', 'Deployments by outcome', [...byEnv, 'outcome']);
  const pushToLive = histogram(
    'slipway_push_to_live_seconds',
    'From a push being recorded to its deployment being live (build, deploy and health check)',
    byEnv,
    DURATION_BUCKETS_S,
  );
  const generations = counter('slipway_generations_total', 'Generations by outcome (committed, nothing, failed)', ['app', 'outcome']);
  const tokens = counter('slipway_generation_tokens_total', 'Model tokens used by generations', ['app', 'kind']);

  const cpu = counter('slipway_container_cpu_seconds_total', "CPU time used by what serves an environment (kept across its containers' restarts)", byEnv);
  const memory = gauge('slipway_container_memory_bytes', 'Memory in use (working set) by what serves an environment', byEnv);
  const usageAvailable = gauge(
    'slipway_container_usage_available',
    'Whether the runtime reported CPU and memory at the last sample (reason: why not, when 0)',
    ['runtime', 'reason'],
  );
  const lastCpu = new Map<string, number>();
  const perApp = [requests, duration, bytesIn, bytesOut, sockets, pushes, builds, buildSeconds, deployments, pushToLive, generations, tokens, cpu, memory];

  const counted = new Set<string>();
  const onGeneration = (e: Extract<PipelineEvent, { type: 'generation' }>) => {
    if (counted.has(e.generationId)) return;
    const g = store.generations.get(e.generationId);
    if (!g || g.status === 'running' || !g.finishedAt) return;
    counted.add(g.id);
    if (counted.size > 1000) counted.delete(counted.values().next().value!);
    generations.inc({ app: g.app, outcome: g.status === 'live' ? 'committed' : g.status });
    tokens.inc({ app: g.app, kind: 'input' }, g.usage.input ?? 0);
    tokens.inc({ app: g.app, kind: 'output' }, g.usage.output ?? 0);
  };
  const seconds = (from: string | null, to: string | null) => (from && to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : null);

  const unsubscribe = deps.events.subscribe('*', (e) => {
    try {
      if (e.type === 'push') pushes.inc({ app: e.app });
      else if (e.type === 'build' && e.status !== 'building') {
        const outcome = e.reused ? 'reused' : e.status;
        builds.inc({ app: e.app, outcome });
        const b = store.builds.get(e.buildId);
        const took = e.reused ? null : seconds(b?.startedAt ?? null, b?.finishedAt ?? null);
        if (took !== null) buildSeconds.observe({ app: e.app, outcome }, took);
      } else if (e.type === 'deployment' && (e.status === 'live' || e.status === 'failed')) {
        deployments.inc({ app: e.app, environment: e.environment, outcome: e.status });
        const d = e.status === 'live' ? store.deployments.get(e.deploymentId) : undefined;
        const took = d?.trigger === 'push' ? seconds(d.createdAt, d.finishedAt) : null;
        if (took !== null) pushToLive.observe({ app: e.app, environment: e.environment }, took);
      } else if (e.type === 'generation') onGeneration(e);
    } catch (err) {
      log.warn('a metric could not be updated', { event: e.type, error: messageOf(err) });
    }
  });

  const traffic: AppTrafficObserver = {
    request(r) {
      const labels = { app: r.app, environment: r.environment };
      requests.inc({ ...labels, status_class: statusClass(r.status) });
      duration.observe(labels, r.durationMs / 1000);
      bytesIn.inc(labels, r.bytesIn);
      bytesOut.inc(labels, r.bytesOut);
      recorder.request(r.app, r.environment, r.status, r.durationMs);
    },
    webSocket(app, environment, change) {
      sockets.inc({ app, environment }, change);
    },
  };

  let defaultsOn = false;
  const timers: NodeJS.Timeout[] = [];
  const flush = (now?: number): number => {
    try {
      return recorder.flush(now);
    } catch (e) {
      log.warn('the traffic history could not be written', { error: messageOf(e) });
      return 0;
    }
  };
  const sampleUsage = async (): Promise<void> => {
    const runtime = deps.runtime.kind;
    if (!deps.runtime.usage) {
      usageAvailable.reset();
      usageAvailable.set({ runtime, reason: 'this runtime does not report usage' }, 0);
      return;
    }
    const usage = await deps.runtime.usage().catch((e: unknown) => ({ available: false as const, reason: messageOf(e) }));
    usageAvailable.reset();
    if (!usage.available) {
      // Absent, not zero: a chart gap says "not measured" where a 0 would say "uses nothing".
      memory.reset();
      usageAvailable.set({ runtime, reason: usage.reason.slice(0, 200) }, 0);
      return;
    }
    usageAvailable.set({ runtime, reason: '' }, 1);
    memory.reset();
    for (const u of usage.environments) {
      const labels = { app: u.app, environment: u.environment };
      memory.set(labels, u.memoryBytes);
      recorder.memory(u.app, u.environment, u.memoryBytes);
      // Docker's counter starts again with each container: a drop is a new one, whose whole count is new.
      if (u.cpuSeconds === null) continue;
      const key = `${u.app}/${u.environment}`;
      const before = lastCpu.get(key);
      cpu.inc(labels, before !== undefined && u.cpuSeconds >= before ? u.cpuSeconds - before : u.cpuSeconds);
      lastCpu.set(key, u.cpuSeconds);
    }
  };

  return {
    traffic,
    async scrape() {
      if (!defaultsOn) {
        collectDefaultMetrics({ register: registry });
        defaultsOn = true;
      }
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    flush,
    sampleUsage,
    forgetApp(app) {
      for (const key of [...lastCpu.keys()]) if (key.startsWith(`${app}/`)) lastCpu.delete(key);
      void Promise.all(
        perApp.map(async (m: Counter | Gauge | Histogram) => {
          const { values } = await m.get();
          const gone = values.filter((v) => v.labels.app === app && !('le' in v.labels));
          for (const v of gone) m.remove(v.labels as Record<string, string>);
        }),
      ).catch(() => undefined);
    },
    start() {
      if (timers.length > 0) return;
      const sample = () => void sampleUsage().catch((e: unknown) => log.warn('container usage could not be read', { error: messageOf(e) }));
      sample();
      timers.push(
        setInterval(() => flush(), FLUSH_INTERVAL_MS),
        setInterval(sample, USAGE_INTERVAL_MS),
      );
      for (const t of timers) t.unref();
    },
    stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      unsubscribe();
      flush();
    },
  };
}
