// The Docker runtime: one container per app and environment, named `slipway-APP-ENV` while it serves.
// A deploy starts a candidate next to it, waits for health, renames it into place, moves traffic, and retires
// the old one after a grace period. State lives in Docker (names and labels), so a restart finds it again.
import type Docker from 'dockerode';
import type { ContainerInfo } from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import { toDockerUnreachable } from '../../shared/docker/docker-unreachable.js';
import { messageOf } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { DeployResult, DeploySpec, Instance, JobRun, OnLine, Runtime } from '../runtime.js';
import { demuxFrames, demuxLines } from './demux-lines.js';
import { memoryBytes, nanoCpus } from './parse-quantity.js';
import { probeHealth } from './probe-health.js';

const L = {
  managed: 'slipway.managed',
  instance: 'slipway.instance',
  app: 'slipway.app',
  env: 'slipway.environment',
  commit: 'slipway.commit',
  deployment: 'slipway.deployment',
  role: 'slipway.role',
} as const;

/**
 * CPUs a new web container may use until its health check passes (then the environment's own limit applies,
 * before it gets traffic). Interpreted runtimes start several times faster with one CPU than with a quarter
 * (uvicorn + FastAPI: 1.4 s at 0.25 CPU, 0.37 s at 1 CPU), and a deploy is waiting on exactly that start.
 * The same idea as Kubernetes' startup CPU boost; memory and every other limit apply from the first moment.
 */
const STARTUP_CPUS = 1;

export interface DockerRuntime extends Runtime {
  /** Where traffic for an environment goes now (synchronous: the proxy asks on every request). */
  route(app: string, environment: string): { host: string; port: number } | null;
  /** Re-reads the routes from Docker (after a daemon restart, ports may have changed). */
  refreshRoutes(): Promise<void>;
}

export interface DockerRuntimeOptions {
  docker: Docker;
  /** `unix:///var/run/docker.sock`, for messages. */
  endpoint: string;
  /**
   * Which Slipway installation owns a container (derived from its data folder), so that two installations on
   * one Docker Engine (tests do this) never take each other's containers for leftovers.
   */
  instance: string;
  log: Logger;
}

/** Probe results that mean nothing listens on the port yet (Docker's port proxy resets when the app doesn't). */
const NOT_LISTENING = new Set(['ECONNREFUSED', 'ECONNRESET']);
const QUICK_PROBE_MS = 15;

export function containerName(app: string, environment: string): string {
  return `slipway-${app}-${environment}`;
}

/** The name a serving container steps aside to; the time says which of several retired ones is the newest. */
function retiredName(serving: string): string {
  return `${serving}-retired-${Date.now()}`;
}

export function createDockerRuntime(options: DockerRuntimeOptions): DockerRuntime {
  const { docker, endpoint } = options;
  const log = options.log.child('docker');
  const routes = new Map<string, { host: string; port: number }>();
  const key = (app: string, env: string) => `${app}/${env}`;

  /** Rethrows connection failures as "Docker is not reachable at …". */
  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toDockerUnreachable(e, endpoint) ?? new Error(`${what}: ${messageOf(e)}`, { cause: e });
    }
  }

  const owned = [`${L.managed}=true`, `${L.instance}=${options.instance}`];
  const listManaged = (filters: string[] = []) =>
    call('listing containers', () => docker.listContainers({ all: true, filters: { label: [...owned, ...filters] } }));

  function toInstance(c: ContainerInfo): Instance {
    const labels = c.Labels;
    const name = (c.Names[0] ?? '').replace(/^\//, '');
    const app = labels[L.app] ?? '';
    const environment = labels[L.env] ?? '';
    const serving = name === containerName(app, environment);
    const job = labels[L.role] === 'job';
    const port = c.Ports.find((p) => p.IP === '127.0.0.1' && p.PublicPort)?.PublicPort;
    const state: Instance['state'] = serving
      ? c.State === 'running' || (job && c.State === 'created')
        ? 'live'
        : 'stopped'
      : c.State === 'running'
        ? 'starting'
        : 'stopped';
    return {
      app,
      environment,
      commit: labels[L.commit] ?? '',
      image: c.Image,
      state,
      ...(port && !job ? { target: { host: '127.0.0.1', port } } : {}),
      since: new Date(c.Created * 1000).toISOString(),
      ...(labels[L.deployment] ? { deploymentId: labels[L.deployment] } : {}),
    };
  }

  async function ensureNetwork(app: string): Promise<string> {
    const name = `slipway-${app}`;
    const existing = await call('listing networks', () => docker.listNetworks({ filters: { name: [name] } }));
    if (!existing.some((n) => n.Name === name)) {
      await call('creating the app network', () =>
        docker.createNetwork({ Name: name, Driver: 'bridge', Labels: { [L.managed]: 'true', [L.instance]: options.instance, [L.app]: app } }),
      ).catch((e: unknown) => {
        if (!/already exists/.test(messageOf(e))) throw e;
      });
    }
    return name;
  }

  async function logTail(id: string, lines = 30): Promise<string> {
    try {
      const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
      return demuxFrames(Buffer.isBuffer(buf) ? buf : Buffer.from(buf)).text.trimEnd();
    } catch (e) {
      return `(could not read the container's logs: ${messageOf(e)})`;
    }
  }

  async function removeQuietly(id: string): Promise<void> {
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch((e: unknown) => log.debug('container already gone', { id, error: messageOf(e) }));
  }

  function containerConfig(spec: DeploySpec, name: string, role: 'web' | 'job' | 'job-run', network: string): Docker.ContainerCreateOptions {
    const { settings, environment: env } = spec;
    const port = `${settings.port}/tcp`;
    const envVars = {
      PORT: String(settings.port),
      ...settings.env,
      ...spec.secrets,
      SLIPWAY_APP: spec.app,
      SLIPWAY_ENVIRONMENT: env.name,
      SLIPWAY_COMMIT: spec.commit,
    };
    return {
      name,
      Image: spec.image,
      Env: Object.entries(envVars).map(([k, v]) => `${k}=${v}`),
      Labels: {
        [L.managed]: 'true',
        [L.instance]: options.instance,
        [L.app]: spec.app,
        [L.env]: env.name,
        [L.commit]: spec.commit,
        [L.deployment]: spec.deploymentId,
        [L.role]: role,
      },
      ...(role === 'web' ? { ExposedPorts: { [port]: {} } } : {}),
      HostConfig: {
        ...(role === 'web' ? { PortBindings: { [port]: [{ HostIp: '127.0.0.1', HostPort: '' }] } } : {}),
        Memory: memoryBytes(env.resources.memory),
        MemorySwap: memoryBytes(env.resources.memory),
        // A web container starts with a start-up boost (see STARTUP_CPUS) and gets its limit once healthy.
        NanoCpus: role === 'web' ? Math.max(nanoCpus(env.resources.cpu), STARTUP_CPUS * 1e9) : nanoCpus(env.resources.cpu),
        PidsLimit: 256,
        Privileged: false,
        SecurityOpt: ['no-new-privileges:true'],
        // Only what web servers need to drop root for their workers (nginx, uvicorn under a user).
        CapDrop: ['ALL'],
        CapAdd: ['CHOWN', 'SETUID', 'SETGID', 'DAC_OVERRIDE', 'FOWNER', 'NET_BIND_SERVICE'],
        RestartPolicy: role === 'web' ? { Name: 'unless-stopped' } : { Name: 'no' },
        NetworkMode: network,
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
      },
    };
  }

  async function waitHealthy(
    id: string,
    port: number,
    spec: DeploySpec,
    onLine: OnLine,
    signal?: AbortSignal,
  ): Promise<{ ok: true } | { ok: false; reason: string }> {
    const { health } = spec.environment;
    const path = spec.settings.healthPath;
    let last = '';
    for (let attempt = 1; attempt <= health.attempts; attempt++) {
      if (signal?.aborted) return { ok: false, reason: 'the deploy was cancelled' };
      const probe = await probeHealth(port, path, health.timeoutSeconds * 1000);
      if (probe.ok) {
        onLine(`health check ${path} answered 200 (attempt ${attempt})`);
        return { ok: true };
      }
      if (probe.detail !== last) onLine(`waiting for ${path}: ${probe.detail}`);
      last = probe.detail;
      const state = await call('inspecting the container', () => docker.getContainer(id).inspect());
      if (!state.State.Running) return { ok: false, reason: `the container exited with code ${state.State.ExitCode} before ${path} answered 200` };
      const next = Date.now() + health.intervalSeconds * 1000;
      // While nothing listens yet (the server is starting), look again every QUICK_PROBE_MS until the next attempt
      // is due, so that live comes as soon as it listens rather than up to an interval later. A refused connection
      // on loopback costs nothing; once the app answers at all, it is probed at the configured pace only.
      for (let quick = probe; NOT_LISTENING.has(quick.detail) && next - Date.now() > QUICK_PROBE_MS && !signal?.aborted;) {
        await sleep(QUICK_PROBE_MS);
        // The full timeout: an app's first answer can be slow (one cut short here cost a whole interval).
        quick = await probeHealth(port, path, health.timeoutSeconds * 1000);
        if (quick.ok) {
          onLine(`health check ${path} answered 200 (attempt ${attempt})`);
          return { ok: true };
        }
      }
      await sleep(Math.max(0, next - Date.now()));
    }
    return { ok: false, reason: `${path} did not answer 200 after ${health.attempts} attempts (last: ${last})` };
  }

  async function deployWeb(spec: DeploySpec, onLine: OnLine, signal?: AbortSignal): Promise<DeployResult> {
    const name = containerName(spec.app, spec.environment.name);
    const network = await ensureNetwork(spec.app);
    const candidateName = `${name}-${spec.deploymentId.toLowerCase().replace(/[^a-z0-9-]/g, '')}`;
    // One listing for both: what serves now (it steps aside once the new one is healthy; deploys of one app never
    // overlap) and what a deploy of this record cut off earlier left behind (removed first).
    const present = await listManaged([`${L.app}=${spec.app}`, `${L.env}=${spec.environment.name}`]);
    const stale = present.filter((c) => c.Labels[L.deployment] === spec.deploymentId);
    for (const c of stale) await removeQuietly(c.Id);
    const old = present.find((c) => c.Names.includes(`/${name}`) && !stale.includes(c));
    onLine(`starting ${spec.image} as ${candidateName}`);
    const container = await call('creating the container', () => docker.createContainer(containerConfig(spec, candidateName, 'web', network)));
    try {
      await call('starting the container', () => container.start());
    } catch (e) {
      await removeQuietly(container.id);
      return { ok: false, reason: `the container did not start: ${messageOf(e)}`, logTail: '' };
    }
    const info = await call('inspecting the container', () => container.inspect());
    const port = Number(info.NetworkSettings.Ports[`${spec.settings.port}/tcp`]?.[0]?.HostPort);
    if (!port) {
      await removeQuietly(container.id);
      return { ok: false, reason: `Docker published no port for ${spec.settings.port}/tcp`, logTail: '' };
    }
    const healthy = await waitHealthy(container.id, port, spec, onLine, signal);
    if (!healthy.ok) {
      const tail = await logTail(container.id);
      await removeQuietly(container.id);
      onLine(`deploy failed: ${healthy.reason}; what was serving keeps serving`);
      return { ok: false, reason: healthy.reason, logTail: tail };
    }
    // The boost ends before any traffic arrives: from here on the container runs within its environment's limit.
    await call('applying the CPU limit', () => container.update({ NanoCpus: nanoCpus(spec.environment.resources.cpu) }));
    // Switch: the old container steps aside under another name, the new one takes the serving name, the route
    // moves. Requests in flight to the old one finish during the grace period.
    if (old) await call('renaming the old container', () => docker.getContainer(old.Id).rename({ name: retiredName(name) }));
    try {
      await call('renaming the new container', () => container.rename({ name }));
    } catch (e) {
      // The old one takes its name back and keeps serving; the candidate goes (the next pass deploys again).
      if (old)
        await docker
          .getContainer(old.Id)
          .rename({ name })
          .catch((back: unknown) => log.warn('could not give the old container its name back', { id: old.Id, error: messageOf(back) }));
      await removeQuietly(container.id);
      throw e;
    }
    routes.set(key(spec.app, spec.environment.name), { host: '127.0.0.1', port });
    onLine(`traffic for ${spec.environment.title} now goes to ${spec.commit.slice(0, 12)}`);
    if (old) {
      const grace = spec.environment.graceSeconds * 1000;
      setTimeout(() => void retire(old.Id), grace).unref();
    }
    return {
      ok: true,
      instance: {
        app: spec.app,
        environment: spec.environment.name,
        commit: spec.commit,
        image: spec.image,
        state: 'live',
        target: { host: '127.0.0.1', port },
        since: new Date().toISOString(),
        deploymentId: spec.deploymentId,
      },
    };
  }

  /**
   * A switch cut off between its two renames (Slipway killed, Docker restarted) leaves an environment with no
   * serving container but the old one, still running under its retired name: it takes the serving name back, so
   * what served before serves again at once rather than after a whole new deploy. Returns the ids restored.
   */
  async function restoreRetired(all: ContainerInfo[]): Promise<Set<string>> {
    const restored = new Set<string>();
    const web = all.filter((c) => c.Labels[L.role] === 'web');
    for (const key of new Set(web.map((c) => `${c.Labels[L.app] ?? ''}/${c.Labels[L.env] ?? ''}`))) {
      const [app = '', env = ''] = key.split('/');
      const name = containerName(app, env);
      const mine = web.filter((c) => c.Labels[L.app] === app && c.Labels[L.env] === env);
      if (mine.some((c) => c.Names.includes(`/${name}`))) continue;
      const retiredAt = (c: ContainerInfo) => Number(/-retired-(\d+)$/.exec(c.Names[0] ?? '')?.[1] ?? Number.NaN);
      const newest = mine
        .filter((c) => c.State === 'running' && c.Names[0] === `/${name}-retired-${retiredAt(c)}`)
        .sort((a, b) => retiredAt(b) - retiredAt(a))[0];
      if (!newest) continue;
      try {
        await docker.getContainer(newest.Id).rename({ name });
        restored.add(newest.Id);
        log.info('a switch was cut off: what served before serves again', { app, environment: env, container: newest.Id.slice(0, 12) });
      } catch (e) {
        log.warn('could not give a retired container its serving name back', { app, environment: env, error: messageOf(e) });
      }
    }
    return restored;
  }

  async function retire(id: string): Promise<void> {
    try {
      await docker.getContainer(id).stop({ t: 5 });
    } catch {
      /* already stopped */
    }
    await removeQuietly(id);
  }

  /** A job environment is a created, never-started container holding what is deployed; runs are copies of it. */
  async function deployJob(spec: DeploySpec, onLine: OnLine): Promise<DeployResult> {
    const name = containerName(spec.app, spec.environment.name);
    const network = await ensureNetwork(spec.app);
    const existing = (await listManaged([`${L.app}=${spec.app}`, `${L.env}=${spec.environment.name}`])).filter((c) => c.Names.includes(`/${name}`));
    for (const c of existing) await removeQuietly(c.Id);
    const container = await call('creating the job container', () => docker.createContainer(containerConfig(spec, name, 'job', network)));
    onLine(`scheduled job ${spec.settings.schedule ?? ''} now runs ${spec.commit.slice(0, 12)}`);
    const info = await container.inspect();
    return {
      ok: true,
      instance: {
        app: spec.app,
        environment: spec.environment.name,
        commit: spec.commit,
        image: spec.image,
        state: 'live',
        since: info.Created,
        deploymentId: spec.deploymentId,
      },
    };
  }

  return {
    kind: 'docker',
    async ping() {
      await call('pinging Docker', () => docker.ping());
    },
    async ensureApp(app) {
      await ensureNetwork(app);
    },
    async deploy(spec, onLine, signal) {
      return spec.settings.kind === 'job' ? deployJob(spec, onLine) : deployWeb(spec, onLine, signal);
    },
    async current(app) {
      const live = (await listManaged([`${L.app}=${app}`])).map(toInstance).filter((i) => i.state === 'live');
      // Routes follow what Docker reports: they are empty when Docker was unreachable as Slipway started, and
      // the reconciler's passes (which ask here) are what notices that it is back.
      for (const i of live) if (i.target) routes.set(key(app, i.environment), i.target);
      return live;
    },
    async list() {
      return (await listManaged()).map(toInstance);
    },
    async removeStale(isActive) {
      const all = await listManaged();
      const restored = await restoreRetired(all);
      let removed = 0;
      for (const c of all) {
        if (restored.has(c.Id)) continue;
        const inst = toInstance(c);
        const serving = c.Names.includes(`/${containerName(inst.app, inst.environment)}`);
        if (serving && (c.State === 'running' || c.Labels[L.role] === 'job')) continue;
        if (!serving && inst.deploymentId && isActive(inst.deploymentId) && c.Labels[L.role] === 'job-run') continue;
        await removeQuietly(c.Id);
        removed++;
      }
      return removed;
    },
    async removeApp(app) {
      for (const c of await listManaged([`${L.app}=${app}`])) await removeQuietly(c.Id);
      for (const key of [...routes.keys()]) if (key.startsWith(`${app}/`)) routes.delete(key);
      const nets = await call('listing networks', () => docker.listNetworks({ filters: { label: [...owned, `${L.app}=${app}`] } }));
      for (const n of nets)
        await docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined);
    },
    async *logs(app, environment, opts, signal) {
      const c = (await listManaged([`${L.app}=${app}`, `${L.env}=${environment}`])).find((x) => x.Names.includes(`/${containerName(app, environment)}`));
      if (!c) return;
      if (!opts.follow) {
        for (const line of (await logTail(c.Id, opts.tail)).split('\n')) if (line) yield line;
        return;
      }
      const stream = (await call('reading logs', () =>
        docker.getContainer(c.Id).logs({ stdout: true, stderr: true, follow: true, tail: opts.tail }),
      )) as unknown as NodeJS.ReadableStream & { destroy(): void };
      const stop = () => stream.destroy();
      signal?.addEventListener('abort', stop, { once: true });
      try {
        yield* demuxLines(stream as AsyncIterable<Buffer>);
      } finally {
        signal?.removeEventListener('abort', stop);
        stop();
      }
    },
    async runJob(spec, onLine, signal): Promise<JobRun> {
      const network = await ensureNetwork(spec.app);
      const name = `${containerName(spec.app, spec.environment.name)}-run-${Date.now()}`;
      const container = await call('creating the job run', () => docker.createContainer(containerConfig(spec, name, 'job-run', network)));
      try {
        await call('starting the job run', () => container.start());
        const stream = (await container.logs({ stdout: true, stderr: true, follow: true })) as unknown as AsyncIterable<Buffer> & { destroy(): void };
        const abort = () => void container.kill().catch(() => undefined);
        signal?.addEventListener('abort', abort, { once: true });
        const tail: string[] = [];
        for await (const line of demuxLines(stream)) {
          onLine(line);
          tail.push(line);
          if (tail.length > 30) tail.shift();
        }
        signal?.removeEventListener('abort', abort);
        const result = (await container.wait()) as { StatusCode?: number };
        return { exitCode: result.StatusCode ?? null, logTail: tail.join('\n') };
      } finally {
        await removeQuietly(container.id);
      }
    },
    route(app, environment) {
      return routes.get(key(app, environment)) ?? null;
    },
    async refreshRoutes() {
      const fresh = new Map<string, { host: string; port: number }>();
      for (const inst of (await listManaged()).map(toInstance))
        if (inst.state === 'live' && inst.target) fresh.set(key(inst.app, inst.environment), inst.target);
      routes.clear();
      for (const [k, v] of fresh) routes.set(k, v);
    },
  };
}
