// Composition root: config → adapters → pipeline → web app → listen.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Config } from './config/load-config.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubernetes, type KubernetesParts } from './load-kubernetes.js';
import { createBuildCgroups } from './build/build-cgroups.js';
import { createBuildContexts, type BuildContexts } from './pipeline/build-contexts.js';
import { createBuildQueue } from './pipeline/build-queue.js';
import { registryOrigin, useRegistry } from './build/registry-manifests.js';
import { registryImages } from './pipeline/registry-images.js';
import { checkAppsKeepTheirHosts } from './domain/app-name.js';
import { loadTemplates } from './git/app-templates.js';
import { reposDir } from './git/repo-path.js';
import { createDockerClient, describeDockerEndpoint } from './shared/docker/create-docker-client.js';
import { createPipeline, type Pipeline } from './pipeline/create-pipeline.js';
import type { PipelineDeps } from './pipeline/deps.js';
import { createPipelineEvents } from './pipeline/pipeline-events.js';
import { logPipelineEvents } from './pipeline/log-pipeline-events.js';
import { createDockerRuntime, type DockerRuntime } from './runtime/docker/create-docker-runtime.js';
import { createFirewall } from './runtime/docker/firewall.js';
import { createAppProxy, withAppProxy } from './runtime/proxy/create-app-proxy.js';
import type { Runtime } from './runtime/runtime.js';
import { ensureAdminToken } from './auth/create-token.js';
import { newToken } from './shared/ids.js';
import { ConfigError, messageOf } from './shared/errors.js';
import { createLogger, type Logger } from './shared/log.js';
import { registerSecret } from './shared/redact.js';
import { createStore } from './store/create-store.js';
import { databasePath } from './store/create-store.js';
import { createWebApp } from './web/create-web-app.js';
import type { TerminalSocket } from './web/claude-terminal-socket.js';
import { createClaudeSessions } from './pipeline/claude-sessions/claude-sessions.js';
import { httpsFront } from './web/middleware/https-front.js';
import { servedHosts } from './pipeline/served-hosts.js';
import { repairFromRepos } from './pipeline/repair-from-repos.js';
import { loadInstallationId } from './shared/installation-id.js';
import { createAcmeCertificates } from './tls/acme-certificates.js';
import { noCertificates, type Certificates } from './tls/certificates.js';
import { createManualCertificate } from './tls/manual-certificate.js';

/**
 * Which Slipway installation owns a container or namespace, so that two on one Docker Engine or cluster never take
 * each other's: recorded in the data folder (src/shared/installation-id.ts). Made on first start from the folder's
 * path; in a cluster every builder's data folder is /data, so its namespace counts too.
 */
function installationId(config: Config): string {
  return loadInstallationId(config.dataDir, config.runtime === 'kubernetes' ? config.kubernetes.builderServiceAccount.namespace : undefined);
}

/** The runtime chosen by configuration. */
function createRuntime(
  config: Config,
  docker: ReturnType<typeof createDockerClient>,
  kube: { parts: KubernetesParts; kubeConfig: KubeConfig } | undefined,
  log: Logger,
): Runtime {
  const installation = installationId(config);
  if (config.runtime === 'kubernetes' && kube) {
    const { kubeConfig } = kube;
    return kube.parts.createKubernetesRuntime({
      kubeConfig,
      templatesDir: join(config.projectRoot, 'k8s', 'templates'),
      domain: config.domain,
      environments: config.environments,
      builder: config.kubernetes.builderServiceAccount,
      ...(config.build.registry ? { registry: config.build.registry } : {}),
      ingressClassName: config.kubernetes.ingressClass,
      nodeSelector: config.kubernetes.nodeSelector,
      ...(config.kubernetes.acmeService ? { challengeService: config.kubernetes.acmeService } : {}),
      installation,
    });
  }
  const firewall = createFirewall({ enabled: config.firewall, log: log.child('firewall'), path: config.path });
  return createDockerRuntime({
    docker,
    endpoint: describeDockerEndpoint(config.docker),
    installation,
    dataDir: config.dataDir,
    log,
    firewall,
    subnets: config.docker.subnets,
  });
}

/** With SLIPWAY_BUILDER=buildkit: builds as Kubernetes Jobs, and images only in the registry (no Docker Engine). */
function buildkitDeps(
  config: Config,
  kube: { parts: KubernetesParts; kubeConfig: KubeConfig },
  contexts: BuildContexts,
): Pick<PipelineDeps, 'build' | 'images'> {
  const registry = config.build.registry!;
  // Build pods speak to it as Slipway does (useRegistry ran first).
  const plainHttp = registryOrigin(registry.split('/')[0]!).startsWith('http://');
  return {
    build: kube.parts.createBuildkitBuilder({
      api: kube.parts.createKubeApi(kube.kubeConfig),
      contexts,
      settings: config.build.buildkit,
      registry,
      plainHttp,
      installation: installationId(config),
    }),
    images: registryImages,
  };
}

/** Where TLS certificates come from, as configured (none with HTTPS off). */
function createCertificates(config: Config, log: Logger): Certificates {
  const { https } = config;
  if (https.mode === 'acme') return createAcmeCertificates({ dataDir: config.dataDir, acme: https.acme, log: log.child('tls') });
  if (https.mode === 'manual' && https.certFile && https.keyFile)
    return createManualCertificate({ certFile: https.certFile, keyFile: https.keyFile, log: log.child('tls') });
  return noCertificates;
}

/** The server's log as configured (SLIPWAY_LOG_LEVEL, SLIPWAY_LOG_FORMAT), on stderr. */
export function configuredLogger(config: Pick<Config, 'logLevel' | 'logFormat'>): Logger {
  return createLogger(config.logLevel, 'slipway', undefined, config.logFormat);
}

/** The pipeline over this data folder, without a server (what the CLI's admin commands use). */
export async function openPipeline(config: Config, log: Logger = configuredLogger(config)): Promise<Pipeline> {
  return (await composePipeline(config, log)).pipeline;
}

/** The pipeline and the parts it was made of (the server needs the runtime; tests and benches reach the store). */
export async function composePipeline(config: Config, log: Logger = configuredLogger(config)): Promise<{ pipeline: Pipeline; deps: PipelineDeps }> {
  registerSecret(config.adminToken);
  registerSecret(config.codegen.apiKey);
  registerSecret(config.build.registryAuth?.password);
  makePrivate(config.dataDir, log);
  mkdirSync(reposDir(config.dataDir), { recursive: true });
  const store = createStore(databasePath(config.dataDir));
  const templates = loadTemplates(join(config.projectRoot, 'app-templates'));
  const docker = createDockerClient(config.docker);
  const parts = config.runtime === 'kubernetes' ? await loadKubernetes() : undefined;
  const kube = parts ? { parts, kubeConfig: parts.loadKubeConfig() } : undefined;
  const runtime = createRuntime(config, docker, kube, log);
  const buildContexts = createBuildContexts();
  if (config.build.registry) useRegistry(config.build.registry, { url: config.build.registryUrl, auth: config.build.registryAuth });
  const builder = kube && config.build.engine === 'buildkit' ? buildkitDeps(config, kube, buildContexts) : {};
  const buildCgroups = createBuildCgroups({
    docker,
    runtime: config.runtime,
    endpoint: describeDockerEndpoint(config.docker),
    installation: installationId(config),
    pids: config.build.pids,
    // No build outlives its timeout; a cgroup older than that (and a margin) was left by a crash.
    staleAfterMs: config.build.timeoutMs + 10 * 60_000,
    log: log.child('build'),
  });
  let certificates: Certificates;
  try {
    certificates = createCertificates(config, log);
  } catch (e) {
    store.close();
    throw e;
  }
  const deps: PipelineDeps = {
    config,
    store,
    templates,
    log,
    events: createPipelineEvents(),
    runtime,
    docker,
    buildCgroups,
    buildQueue: createBuildQueue(config.build.concurrency),
    certificates,
    buildContexts,
    ...builder,
  };
  return { pipeline: createPipeline(deps), deps };
}

/**
 * The data folder holds the database (token hashes, secrets), the session keys and every app's code: only the
 * user Slipway runs as may enter it. Created so; an existing one open to others is closed, and said; one that
 * cannot be closed (another owner) stops start-up with the reason, rather than run with secrets open to others.
 */
function makePrivate(dataDir: string, log: Logger): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  try {
    chmodSync(dataDir, 0o700);
  } catch (e) {
    throw new ConfigError(
      `the data folder ${dataDir} is open to other users (mode ${mode.toString(8)}) and cannot be made private (${messageOf(e)}): ` +
        'chown it to the user Slipway runs as, or chmod 700 it, or set SLIPWAY_DATA_DIR to a folder of its own',
    );
  }
  log.info('the data folder was open to other users; it is private now', { dataDir, was: mode.toString(8), now: '700' });
}

function isDockerRuntime(runtime: Runtime): runtime is DockerRuntime {
  return runtime.kind === 'docker' && 'route' in runtime;
}

export interface RunningServer {
  /** Plain HTTP (with HTTPS on: ACME challenges, redirects, and hosts without a certificate yet). */
  readonly server: Server;
  readonly url: string;
  readonly port: number;
  /** With HTTPS on: the TLS server and its port. */
  readonly tlsServer: TlsServer | undefined;
  readonly httpsPort: number | undefined;
  readonly pipeline: Pipeline;
  /** What the pipeline was made of: for tests and benches that seed or inspect the store, or watch Docker. */
  readonly deps: PipelineDeps;
  /** The admin token made on this first start, to be shown once; null otherwise. */
  readonly firstAdminToken: string | null;
  close(): Promise<void>;
}

export async function startServer(config: Config, log: Logger = configuredLogger(config)): Promise<RunningServer> {
  const { pipeline, deps } = await composePipeline(config, log);
  try {
    // Git is the truth: apps whose repo has no row (a lost database) are made again before anything reads the rows.
    const repaired = await repairFromRepos(deps);
    if (repaired.restored.length > 0 || repaired.withoutRepo.length > 0)
      log.warn('the database did not agree with the repos', {
        rebuilt: repaired.restored.map((r) => r.app),
        withoutRepo: repaired.withoutRepo,
        ...(repaired.withoutRepo.length > 0 ? { fix: 'slipway repair --prune removes apps whose repo is gone' } : {}),
      });
    checkAppsKeepTheirHosts(
      deps.store.apps.list().map((a) => a.name),
      config,
    );
  } catch (e) {
    deps.store.close();
    throw e;
  }
  const firstAdminToken = ensureAdminToken(deps);
  const hookSecret = newToken();
  registerSecret(hookSecret);
  let port = config.port;
  const loopback = ['0.0.0.0', '::', '[::]'].includes(config.host) ? '127.0.0.1' : config.host;
  const cli = join(config.projectRoot, 'dist', 'src', 'main.js');
  const { runtime } = deps;
  // App traffic: Slipway's own Host-header proxy with Docker; Traefik's Ingress does it on Kubernetes.
  const proxy = isDockerRuntime(runtime)
    ? createAppProxy({
        environments: config.environments,
        domain: config.domain,
        branchPreviews: config.branchPreviews.max > 0,
        appExists: (name) => deps.store.apps.get(name) !== undefined,
        // Live, deploying or failed: a deleted or stopped branch preview's records end replaced or superseded
        // (converge-app.ts).
        branchPreviewExists: (a, e) => {
          const latest = deps.store.deployments.latest(a, e);
          return deps.store.deployments.live(a, e) !== undefined || (latest !== undefined && latest.status !== 'replaced' && latest.status !== 'superseded');
        },
        // One prepared statement per request whose host no pattern routes (SQLite answers in microseconds), so a
        // domain added by `slipway domains add` in another process is served at once, with no cache to refresh.
        routeForDomain: (host) => deps.store.domains.get(host),
        route: (a, e) => runtime.route(a, e),
        onUpstreamError: () => void runtime.refreshRoutes().catch(() => undefined),
        observe: pipeline.metrics.traffic,
        access: pipeline.access.proxy,
        log: log.child('proxy'),
      })
    : undefined;
  if (isDockerRuntime(runtime))
    await runtime.refreshRoutes().catch((e: unknown) => log.warn('Docker is not reachable yet; apps are served once it is', { error: (e as Error).message }));
  const certificates = deps.certificates ?? noCertificates;
  const uiHost = new URL(config.publicUrl).hostname.toLowerCase();
  const before = [
    ...(config.https.mode === 'off' ? [] : [httpsFront({ certificates, httpsPort: config.https.port, uiHost })]),
    ...(proxy ? [proxy.middleware] : []),
  ];
  // Claude Code sessions push through this server's own git endpoint, as the person's `git push` would.
  const claudeSessions = await createClaudeSessions(deps, {
    serverUrl: () => `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}`,
  });
  const app = createWebApp({
    pipeline,
    before,
    claudeSessions,
    hookSecret,
    ...(deps.buildContexts ? { buildContexts: deps.buildContexts } : {}),
    hookEnv: () => ({
      SLIPWAY_HOOK_URL: `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}/internal/hooks`,
      SLIPWAY_HOOK_SECRET: hookSecret,
      SLIPWAY_NODE: process.execPath,
      SLIPWAY_CLI: cli,
    }),
  });
  // Slow or stalled headers are cut off (checked every second at most); bodies by limitBodyTime, git's excepted.
  const { limits } = config;
  const callback = app.callback();
  // App traffic skips Koa: the proxy's fast path takes what it only forwards, and hands the rest (its pages, the
  // UI) to Koa. Plain HTTP with HTTPS on goes through Koa's httpsFront first (challenges, redirects to HTTPS).
  const fast = proxy ? withAppProxy(proxy, callback) : callback;
  const serverOptions = { connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs) };
  const server = limitServer(createServer(serverOptions, config.https.mode === 'off' ? fast : callback), config, proxy, app.terminals);
  // TLS: each host's certificate picked by SNI, so new and renewed certificates are served without a restart.
  const tlsServer =
    config.https.mode === 'off'
      ? undefined
      : limitServer(
          createTlsServer({ ...serverOptions, SNICallback: (name, cb) => cb(null, certificates.contextFor(name)) }, fast),
          config,
          proxy,
          app.terminals,
        );
  await listen(server, config.port, config.host);
  port = (server.address() as AddressInfo).port;
  if (tlsServer) {
    try {
      await listen(tlsServer, config.https.port, config.host);
    } catch (e) {
      server.close();
      throw e;
    }
  }
  const httpsPort = tlsServer ? (tlsServer.address() as AddressInfo).port : undefined;
  // With HTTPS on, certificates follow the hosts served: looked at again when a deployment starts, on a domain
  // event, and every minute (a domain added with the CLI, which has a pipeline of its own, is seen then).
  // On Kubernetes the certificates go to the cluster's ingress too (and ACME's challenges come back through it).
  const inCluster =
    config.https.mode !== 'off' && deps.runtime.kind === 'kubernetes' ? (await loadKubernetes()).createClusterCertificates(deps, certificates) : undefined;
  const wantHosts = (): void => {
    try {
      certificates.want(servedHosts(deps));
    } catch (e) {
      log.warn('could not list the hosts to certify', { error: messageOf(e) });
    }
    inCluster?.sync();
  };
  const watchHosts = config.https.mode !== 'off';
  if (watchHosts) wantHosts();
  const hostTimer = watchHosts ? setInterval(wantHosts, 60_000) : undefined;
  hostTimer?.unref();
  const stopWatching = watchHosts
    ? deps.events.subscribe('*', (event) => {
        if ((event.type === 'deployment' && ['building', 'deploying', 'live'].includes(event.status)) || event.type === 'domain') wantHosts();
      })
    : () => undefined;
  const stopFollowing = inCluster ? certificates.onChange(() => inCluster.sync()) : () => undefined;
  // The proxy's cached hosts are forgotten when this process adds or removes a domain or deploys (a deleted app's
  // last deployment ends replaced); other processes' changes are seen within HOST_ROUTE_TTL_MS.
  const stopForgetting = proxy
    ? deps.events.subscribe('*', (event) => {
        if (event.type === 'domain' || event.type === 'deployment') proxy.forget();
      })
    : () => undefined;
  const stopLogging = logPipelineEvents({ events: deps.events, store: deps.store, log: log.child('pipeline') });
  await pipeline.reconciler.start();
  pipeline.backups.start(); // SLIPWAY_BACKUP_SCHEDULE: only the server makes scheduled backups
  pipeline.retention.start();
  pipeline.webhooks.start(); // deliveries left pending by the last run are sent now
  pipeline.metrics.start(); // the traffic history's batches and the container usage samples
  const url = `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}`;
  log.info('slipway is listening', { url, ...(httpsPort ? { https: config.publicUrl, httpsPort } : {}), runtime: config.runtime, dataDir: config.dataDir });
  return {
    server,
    url,
    port,
    tlsServer,
    httpsPort,
    pipeline,
    deps,
    firstAdminToken,
    async close() {
      // Stop taking requests, let the pipeline stop taking work and wait (bounded) for what runs to record where
      // it stopped, then drop what is still connected (hooks following a push) and close the store.
      stopWatching();
      stopFollowing();
      stopLogging();
      stopForgetting();
      clearInterval(hostTimer);
      const servers = [server, ...(tlsServer ? [tlsServer] : [])];
      const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      for (const s of servers) s.closeIdleConnections();
      await certificates.close();
      await inCluster?.settled();
      // The CLIs end (their process groups); their working copies stay until each session is closed.
      app.terminals?.close();
      await claudeSessions.shutdown();
      await pipeline.close();
      for (const s of servers) s.closeAllConnections();
      await closed;
      proxy?.close(); // the connections kept to apps' containers
    },
  };
}

/** The same limits on the plain and the TLS server: slow headers cut off, connections capped, websockets to apps. */
function limitServer<S extends Server | TlsServer>(
  server: S,
  config: Config,
  proxy: ReturnType<typeof createAppProxy> | undefined,
  terminals: TerminalSocket | undefined,
): S {
  const { limits } = config;
  server.requestTimeout = 0; // a long git push must not be cut off after 300 s
  server.headersTimeout = limits.headersTimeoutMs;
  server.keepAliveTimeout = Math.min(65_000, limits.headersTimeoutMs * 3);
  server.maxConnections = limits.maxConnections;
  server.on('upgrade', (req, socket, head) => {
    // An app's host first (the proxy takes its upgrades); what is left may be a session terminal on the UI's host.
    if (!proxy?.upgrade(req, socket, head) && !terminals?.upgrade(req, socket, head)) socket.destroy();
  });
  return server;
}

async function listen(server: Server | TlsServer, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
