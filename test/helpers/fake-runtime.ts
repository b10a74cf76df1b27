// An in-memory Runtime (src/runtime/runtime.ts) for fast pipeline tests: each call does what the test scripted
// for it (succeed, fail, throw, or hang until released or aborted), and every call is recorded.
import type { DeployResult, DeploySpec, Instance, JobRun, OnLine, Runtime } from '../../src/runtime/runtime.js';

export type FakeMethod = 'ping' | 'deploy' | 'current' | 'removeStale' | 'removeApp' | 'removeEnvironment' | 'logs' | 'runJob';

/**
 * What one call does. `'ok'`: what a healthy engine does. `fail`: a deploy whose app never gets healthy (or a job
 * that exits non-zero). `throw`: the engine errs (e.g. a DockerUnreachableError). `hang`: the call waits until
 * the test releases it (see {@link Hold}) or its AbortSignal fires; then it rejects with the signal's reason, or with
 * `onAbort: 'cancelled'` ends as the Docker runtime's deploy does when cut off: not healthy, "the deploy was cancelled".
 */
export type FakeStep = 'ok' | { fail: string; logTail?: string } | { throw: Error } | { hang: true; onAbort?: 'reject' | 'cancelled' };

/** A call scripted to hang: `started` resolves when the call begins; `release` lets it go on with `then`. */
export interface Hold {
  readonly started: Promise<FakeCall>;
  release(then?: Exclude<FakeStep, { hang: true }>): void;
}

export interface FakeCall {
  method: FakeMethod;
  /** `app` (and `environment`, `commit`, `deploymentId` for deploy and runJob). */
  app?: string;
  environment?: string;
  commit?: string;
  deploymentId?: string;
  /** The environment's custom domains the deploy was given. */
  domains?: readonly string[];
  /** How the call ended: 'ok', 'failed', 'threw', 'aborted', or 'pending' while it runs. */
  result: 'pending' | 'ok' | 'failed' | 'threw' | 'aborted';
}

export interface FakeRuntime extends Runtime {
  /** Scripts the next call of `method` (calls take scripted steps in order; unscripted calls are 'ok'). */
  next(method: FakeMethod, step: FakeStep): Hold;
  /** Every step scripted after this one, for every call of `method` until `always` is called again. */
  always(method: FakeMethod, step: Exclude<FakeStep, { hang: true }> | null): void;
  readonly calls: readonly FakeCall[];
  /** Calls of one method, oldest first. */
  callsOf(method: FakeMethod): FakeCall[];
  /** Everything the runtime runs now (live and starting), without recording a call. */
  instances(app?: string): Instance[];
  /** Lines `logs()` returns for an environment. */
  setLogs(app: string, environment: string, lines: string[]): void;
  /** What `health()` says of an environment (by default: no restarts, no problem). */
  setHealth(app: string, environment: string, health: { restarts: number; problem: string | null }): void;
}

interface Scripted {
  step: FakeStep;
  release?: (then: Exclude<FakeStep, { hang: true }>) => void;
  gate?: Promise<Exclude<FakeStep, { hang: true }>>;
  started?: (call: FakeCall) => void;
}

export function createFakeRuntime(): FakeRuntime {
  const queues = new Map<FakeMethod, Scripted[]>();
  const defaults = new Map<FakeMethod, Exclude<FakeStep, { hang: true }>>();
  const calls: FakeCall[] = [];
  // Keyed by app/environment; a deploy in progress adds a `starting` candidate beside what serves.
  const live = new Map<string, Instance>();
  const starting = new Map<string, Instance>();
  const healths = new Map<string, { restarts: number; problem: string | null }>();
  const logLines = new Map<string, string[]>();
  const key = (app: string, env: string) => `${app}/${env}`;

  /** Runs the scripted step of one call; resolves with the step it ends with ('ok', fail) or rejects. */
  async function step(call: FakeCall, signal?: AbortSignal): Promise<Exclude<FakeStep, { hang: true } | { throw: Error }>> {
    calls.push(call);
    const scripted = queues.get(call.method)?.shift();
    let s: FakeStep = scripted?.step ?? defaults.get(call.method) ?? 'ok';
    scripted?.started?.(call);
    if (typeof s === 'object' && 'hang' in s) {
      const hang = s;
      s = await new Promise<Exclude<FakeStep, { hang: true }>>((resolve, reject) => {
        const cancelled = hang.onAbort === 'cancelled';
        const onAbort = () => (cancelled ? resolve({ fail: 'the deploy was cancelled' }) : reject(abortError(signal!)));
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        void scripted!.gate!.then((then) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(then);
        });
      }).catch((e: unknown) => {
        call.result = 'aborted';
        throw e;
      });
    }
    if (typeof s === 'object' && 'throw' in s) {
      call.result = 'threw';
      throw s.throw;
    }
    call.result = s === 'ok' ? 'ok' : 'failed';
    return s;
  }

  function instanceOf(spec: DeploySpec, state: Instance['state']): Instance {
    return {
      app: spec.app,
      environment: spec.environment.name,
      commit: spec.commit,
      image: spec.image,
      state,
      target: { host: '127.0.0.1', port: 1 },
      since: new Date().toISOString(),
      deploymentId: spec.deploymentId,
    };
  }

  const all = (app?: string) => [...live.values(), ...starting.values()].filter((i) => app === undefined || i.app === app);

  return {
    kind: 'docker',
    next(method, s) {
      let release: (then: Exclude<FakeStep, { hang: true }>) => void = () => undefined;
      let started: (call: FakeCall) => void = () => undefined;
      const gate = new Promise<Exclude<FakeStep, { hang: true }>>((r) => (release = r));
      const startedP = new Promise<FakeCall>((r) => (started = r));
      const list = queues.get(method) ?? [];
      list.push({ step: s, gate, release, started });
      queues.set(method, list);
      return { started: startedP, release: (then = 'ok') => release(then) };
    },
    always(method, s) {
      if (s === null) defaults.delete(method);
      else defaults.set(method, s);
    },
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method),
    instances: all,
    setLogs: (app, environment, lines) => void logLines.set(key(app, environment), lines),

    async ping() {
      await step({ method: 'ping', result: 'pending' });
    },
    async deploy(spec: DeploySpec, onLine: OnLine, signal?: AbortSignal): Promise<DeployResult> {
      const k = key(spec.app, spec.environment.name);
      const call: FakeCall = {
        method: 'deploy',
        app: spec.app,
        environment: spec.environment.name,
        ...(spec.domains ? { domains: spec.domains } : {}),
        commit: spec.commit,
        deploymentId: spec.deploymentId,
        result: 'pending',
      };
      // The candidate exists while the deploy runs, as Docker's candidate container does.
      starting.set(k, instanceOf(spec, 'starting'));
      onLine(`starting ${spec.image}`);
      try {
        const outcome = await step(call, signal);
        if (outcome !== 'ok') {
          onLine(`never healthy: ${outcome.fail}`);
          return { ok: false, reason: outcome.fail, logTail: outcome.logTail ?? '' };
        }
        const instance = instanceOf(spec, 'live');
        live.set(k, instance);
        onLine('healthy; traffic switched');
        return { ok: true, instance };
      } finally {
        if (starting.get(k)?.deploymentId === spec.deploymentId) starting.delete(k);
      }
    },
    async health(app) {
      return [...live.values()]
        .filter((i) => i.app === app)
        .map((i) => ({ environment: i.environment, restarts: 0, problem: null, ...healths.get(`${app}/${i.environment}`) }));
    },
    setHealth(app, environment, h) {
      healths.set(`${app}/${environment}`, h);
    },
    async current(app) {
      await step({ method: 'current', app, result: 'pending' });
      return [...live.values()].filter((i) => i.app === app);
    },
    async removeStale(isActive) {
      await step({ method: 'removeStale', result: 'pending' });
      let removed = 0;
      for (const [k, i] of starting) {
        if (i.deploymentId && isActive(i.deploymentId)) continue;
        starting.delete(k);
        removed++;
      }
      return removed;
    },
    async removeApp(app) {
      await step({ method: 'removeApp', app, result: 'pending' });
      for (const map of [live, starting]) for (const [k, i] of map) if (i.app === app) map.delete(k);
    },
    async removeEnvironment(app, environment) {
      await step({ method: 'removeEnvironment', app, environment, result: 'pending' });
      for (const map of [live, starting]) map.delete(key(app, environment));
    },
    async *logs(app, environment, options, signal) {
      await step({ method: 'logs', app, environment, result: 'pending' }, signal);
      for (const line of (logLines.get(key(app, environment)) ?? []).slice(-options.tail)) yield line;
    },
    async runJob(spec: DeploySpec, onLine: OnLine, signal?: AbortSignal): Promise<JobRun> {
      const call: FakeCall = {
        method: 'runJob',
        app: spec.app,
        environment: spec.environment.name,
        commit: spec.commit,
        deploymentId: spec.deploymentId,
        result: 'pending',
      };
      const outcome = await step(call, signal);
      onLine(outcome === 'ok' ? 'job done' : outcome.fail);
      return outcome === 'ok' ? { exitCode: 0, logTail: 'job done' } : { exitCode: 1, logTail: outcome.logTail ?? outcome.fail };
    },
  };
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
