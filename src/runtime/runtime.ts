// The Runtime interface: what the pipeline needs from an engine that runs apps. Docker and Kubernetes implement it.
import type { AppSettings, EnvironmentDef } from '../domain/types.js';

export type { AppSettings };

import type { OnLine } from '../shared/line-log.js';

export type { OnLine };

export interface DeploySpec {
  app: string;
  environment: EnvironmentDef;
  /** Full 40-hex commit. */
  commit: string;
  /** Image reference to run, e.g. `slipway/shop:0123456789ab` or `localhost:5050/shop:0123456789ab`. */
  image: string;
  settings: AppSettings;
  /** Secrets for this app and environment (never logged). */
  secrets: Record<string, string>;
  /** Id of the deployment record, put on what is created so a crashed deploy can be found and cleaned. */
  deploymentId: string;
  /**
   * The environment's custom domains (normalised), for runtimes that route by manifest (Kubernetes' Ingress);
   * Docker's proxy reads them from the store on each request instead.
   */
  domains?: readonly string[];
}

export type DeployResult = { ok: true; instance: Instance } | { ok: false; reason: string; logTail: string };

export interface Instance {
  app: string;
  environment: string;
  commit: string;
  image: string;
  /** `live` serves traffic; `starting` is a deploy in progress (or one cut off by a crash). */
  state: 'live' | 'starting' | 'stopped' | 'failed';
  /** Where the proxy sends traffic (Docker: 127.0.0.1 and a published port). Kubernetes routes with Ingress. */
  target?: { host: string; port: number };
  since: string;
  deploymentId?: string;
}

/** How what serves an environment is doing between deploys: restarts and why it is not ready, as the engine sees it. */
export interface EnvironmentHealth {
  environment: string;
  /** Times the engine restarted the app's container (its process exited or its liveness check failed). */
  restarts: number;
  /** Why it is not serving normally now (crash loop, not ready, exited), or null when nothing is wrong. */
  problem: string | null;
}

export interface JobRun {
  exitCode: number | null;
  logTail: string;
}

/** CPU and memory of what serves each environment, as the engine measures them. */
export interface EnvironmentUsage {
  app: string;
  environment: string;
  /** CPU time the serving container (or pods) used since it started, in seconds; null when the source gives only a rate (metrics.k8s.io). */
  cpuSeconds: number | null;
  /** Memory in use (working set: without the page cache the kernel can take back), in bytes. */
  memoryBytes: number;
}

/** A previous release's container kept warm for an instant rollback (Docker, `warmReleases`). */
export interface WarmRelease {
  app: string;
  environment: string;
  commit: string;
  /** Docker's state: `paused` once its grace period is over. */
  state: string;
  /** Memory it holds (working set), or null when Docker gave no sample. */
  memoryBytes: number | null;
}

/** Usage of every environment the runtime serves, or why it cannot be measured (then nothing is reported). */
export type ResourceUsage = { available: true; environments: EnvironmentUsage[] } | { available: false; reason: string };

/** Whether the firewall of the runtime's networks is in place (Docker; Kubernetes has NetworkPolicy). */
export interface FirewallStatus {
  state: 'on' | 'off' | 'unavailable';
  detail: string;
  /** What to do, when it is not on. */
  fix?: string;
}

/** Another Slipway installation's containers and networks on the same engine (Docker). */
export interface OtherInstallation {
  installation: string;
  /** Its data folder, as labelled (null: made before the label, owner unknown). */
  dataDir: string | null;
  /** Whether that installation still exists (its data folder records its id); null when it cannot be known. */
  exists: boolean | null;
  containers: { name: string; state: string }[];
  networks: string[];
}

/** A host's certificate and key (PEM), as the certificate manager holds it. */
export interface HostCertificate {
  readonly host: string;
  /** The certificate, then its chain. */
  readonly cert: string;
  readonly key: string;
}

export interface Runtime {
  readonly kind: 'docker' | 'kubernetes';
  /** Throws a clear error when the engine cannot be reached ("Docker is not reachable at …"). */
  ping(): Promise<void>;
  /**
   * Creates what the app shares across environments when missing (Kubernetes: namespace, quota, policies; Docker:
   * network), then starts `spec`, waits until healthy, switches traffic, retires the old instance.
   * When the new one never becomes healthy, what was serving keeps serving and the result says why.
   */
  deploy(spec: DeploySpec, onLine: OnLine, signal?: AbortSignal): Promise<DeployResult>;
  /** What serves each environment of the app now (live instances only). */
  current(app: string): Promise<Instance[]>;
  /** Restarts and problems of what serves each web environment of the app (jobs and stopped ones left out). */
  health(app: string): Promise<EnvironmentHealth[]>;
  /** Removes leftovers: instances in `starting` state whose deployment is not `active`. */
  removeStale(isActive: (deploymentId: string) => boolean): Promise<number>;
  /** Removes everything of the app. */
  removeApp(app: string): Promise<void>;
  /**
   * Removes what runs one environment of the app and its route (a branch preview whose branch was deleted, or that
   * stopped after its idle time): Docker its containers; Kubernetes its Deployment, Service, Ingresses, PDB, CronJob,
   * ConfigMaps and Secrets. What is already gone is fine.
   */
  removeEnvironment(app: string, environment: string): Promise<void>;
  /** Recent and (with follow) live runtime log lines of an environment. */
  logs(app: string, environment: string, options: { tail: number; follow: boolean }, signal?: AbortSignal): AsyncIterable<string>;
  /** Runs a job once now with the environment's image (scheduled-job template). */
  runJob(spec: DeploySpec, onLine: OnLine, signal?: AbortSignal): Promise<JobRun>;
  /**
   * Docker: the network builds run on (created, with its firewall rules, when missing). Absent on Kubernetes,
   * whose builds run on the node's Docker Engine, outside the cluster's policies.
   */
  buildNetwork?(): Promise<string>;
  /** Docker: whether the firewall rules of Slipway's networks are installed (doctor, the about page). */
  firewall?(): Promise<FirewallStatus>;
  /**
   * Kubernetes, where the cluster's ingress and not Slipway terminates app traffic: serves these certificates for a
   * web environment's hosts (TLS Secrets in the app's namespace and the environment's HTTPS Ingress). The list is
   * the whole set: a host left out loses its Secret, and an empty list removes the HTTPS Ingress. False when the
   * environment serves no web traffic on the cluster (yet): nothing was applied, and it is worth asking again later.
   */
  applyCertificates?(app: string, environment: string, certificates: readonly HostCertificate[]): Promise<boolean>;
  /**
   * Kubernetes: routes ACME HTTP-01 challenges (`/.well-known/acme-challenge/`) of these hosts from the cluster's
   * ingress to Slipway, which answers them; an empty list removes the route.
   */
  routeAcmeChallenges?(hosts: readonly string[]): Promise<void>;
  /** CPU and memory per environment (Docker's stats; the kubelet's summary API on Kubernetes). */
  usage?(): Promise<ResourceUsage>;
  /** Docker: the warm releases kept for instant rollbacks, with the memory they hold (Kubernetes keeps none). */
  warmReleases?(): Promise<WarmRelease[]>;
  /** Docker: other installations' containers and networks on this engine (`slipway repair`). */
  otherInstallations?(): Promise<OtherInstallation[]>;
  /** Docker: removes what an installation that no longer exists left (refuses one that may exist). */
  removeOtherInstallation?(installation: string): Promise<{ containers: number; networks: number }>;
}
