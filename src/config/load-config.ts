// The only reader of process.env: reads every setting once, validates it, and returns a frozen Config.
import { availableParallelism, homedir } from 'node:os';
import { existsSync } from 'node:fs';
import { Cron } from 'croner';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../shared/errors.js';
import type { LogFormat, LogLevel } from '../shared/log.js';
import type { EnvironmentDef } from '../domain/types.js';
import { DEFAULT_SUBNET_POOL, parseCidr, SUBNET_BITS, type Ipv4Net } from '../domain/subnet-pool.js';
import { loadEnvironments } from './load-environments.js';
import { findProjectRoot } from './project-root.js';

export type RuntimeKind = 'docker' | 'kubernetes';

/** `off`: plain HTTP (or TLS ended by a proxy in front); `acme`: certificates from an ACME CA; `manual`: from PEM files. */
export type HttpsMode = 'off' | 'acme' | 'manual';

/** Let's Encrypt's production directory: the ACME default. */
export const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';

export interface ClaudeSessionSettings {
  /** The program a session runs in its terminal (the Claude Code CLI); null: sessions are off. */
  readonly command: string | null;
  /** SLIPWAY_MAX_CLAUDE_SESSIONS: open at once, installation-wide. */
  readonly max: number;
  /** SLIPWAY_CLAUDE_MEMORY_MB: each session's memory limit. */
  readonly memoryBytes: number;
  /** SLIPWAY_CLAUDE_IDLE_MINUTES: a session with no input or output this long ends. */
  readonly idleMs: number;
}

export interface Config {
  readonly projectRoot: string;
  readonly dataDir: string;
  /** The plain-HTTP port (SLIPWAY_PORT, or SLIPWAY_HTTP_PORT; 8080, or 80 when HTTPS is on). */
  readonly port: number;
  readonly host: string;
  readonly domain: string;
  /** The URL people use to reach this server (clone URLs, links). */
  readonly publicUrl: string;
  /**
   * Origins whose pages may post to the UI: the public URL's. Left unset on a loopback server, the public URL is
   * `http://localhost:PORT`, and `http://127.0.0.1:PORT` (what `npm start` prints) is accepted too.
   */
  readonly trustedOrigins: readonly string[];
  readonly adminToken: string | undefined;
  /** TLS served by Slipway itself, on `https.port`, beside plain HTTP on `port`. */
  readonly https: {
    readonly mode: HttpsMode;
    /** SLIPWAY_HTTPS_PORT (443). */
    readonly port: number;
    readonly acme: {
      /** SLIPWAY_ACME_DIRECTORY (Let's Encrypt production). */
      readonly directoryUrl: string;
      readonly email: string | undefined;
      /** A CA (PEM) trusted, beside the system's, for the ACME server's own HTTPS (SLIPWAY_ACME_CA_FILE; test CAs). */
      readonly caFile: string | undefined;
      /** The CA's certificate profile to ask for (SLIPWAY_ACME_PROFILE), when it offers several. */
      readonly profile: string | undefined;
      /** Wait before the first retry of a failed order (SLIPWAY_ACME_RETRY_SECONDS); doubles each time, 6 h at most. */
      readonly retryMs: number;
    };
    /** `manual`: the certificate chain and key (SLIPWAY_TLS_CERT_FILE, SLIPWAY_TLS_KEY_FILE). */
    readonly certFile: string | undefined;
    readonly keyFile: string | undefined;
  };
  readonly runtime: RuntimeKind;
  readonly logLevel: LogLevel;
  /** How log lines look (SLIPWAY_LOG_FORMAT): `pretty` for a person, `json` (one object a line) for a log shipper. */
  readonly logFormat: LogFormat;
  readonly environments: readonly EnvironmentDef[];
  readonly pipeline: {
    /** Record ref updates but do not process them (maintenance; also used by crash tests). */
    readonly paused: boolean;
    readonly intervalMs: number;
  };
  readonly build: {
    readonly registry: string | undefined;
    readonly buildArgs: Readonly<Record<string, string>>;
    /** Memory of one build's steps (SLIPWAY_BUILD_MEMORY, e.g. 2g, 512m); past it the step is killed. */
    readonly memoryBytes: number;
    /** CPUs one build may use (SLIPWAY_BUILD_CPUS, e.g. 1.5). */
    readonly cpus: number;
    /** Processes (threads count) one build's steps may run at once (SLIPWAY_BUILD_PIDS); past it fork fails. */
    readonly pids: number;
    /** A build taking longer fails (SLIPWAY_BUILD_TIMEOUT, minutes). */
    readonly timeoutMs: number;
    /** How many builds run at once (SLIPWAY_BUILD_CONCURRENCY, default the number of cores); the rest wait in turn. */
    readonly concurrency: number;
    /**
     * What builds images (SLIPWAY_BUILDER): the Docker Engine, or BuildKit in a Kubernetes Job per build (the default
     * on Kubernetes: a node running containerd has no Docker, and a second node could not use one node's images).
     */
    readonly engine: BuildEngine;
    /**
     * Where Slipway itself speaks to the registry's API (SLIPWAY_REGISTRY_URL, http:// or https://); unset, the
     * registry's own name (plain HTTP for one on this machine). Image names keep SLIPWAY_REGISTRY, which nodes pull.
     */
    readonly registryUrl: string | undefined;
    /**
     * Basic-auth credentials for the registry (SLIPWAY_REGISTRY_USER and SLIPWAY_REGISTRY_PASSWORD, an htpasswd
     * entry in the registry): Slipway's own requests, Docker pushes, build pods and the app namespaces' image pulls use them.
     */
    readonly registryAuth: RegistryAuth | undefined;
    /** With `buildkit`: how the build Jobs run (src/build/buildkit-builder.ts). */
    readonly buildkit: BuildkitSettings;
  };
  /**
   * Firewall rules for the Docker runtime's networks (SLIPWAY_FIREWALL, default on): app and build containers
   * reach the internet but not this machine's services or private networks.
   */
  readonly firewall: boolean;
  readonly docker: {
    readonly socketPath: string | undefined;
    readonly host: string | undefined;
    /** Where the Docker runtime's networks get their subnets (SLIPWAY_DOCKER_SUBNETS); null: Docker's own pools. */
    readonly subnets: Ipv4Net | null;
  };
  readonly codegen: {
    readonly apiKey: string | undefined;
    readonly baseURL: string | undefined;
    readonly model: string;
    readonly maxTurns: number;
    readonly maxTokensPerTurn: number;
    readonly maxTotalTokens: number;
    readonly maxRetries: number;
    readonly timeoutMs: number;
    /** Fix commits the model may make after its commit fails to build or get healthy. */
    readonly fixAttempts: number;
  };
  /** Interactive Claude Code sessions per app (README "Claude Code sessions"). */
  readonly claudeSessions: ClaudeSessionSettings;
  readonly kubernetes: {
    /** `namespace/name` of the ServiceAccount the builder runs as (bound in every app namespace). */
    readonly builderServiceAccount: { readonly namespace: string; readonly name: string };
    readonly ingressClass: string;
    /** Labels a node must have to run app pods; each also tolerates a `NoSchedule` taint of the same key and value. */
    readonly nodeSelector: Readonly<Record<string, string>>;
    /**
     * The Service in front of Slipway that ACME challenges are routed to through the cluster's ingress
     * (SLIPWAY_KUBE_ACME_SERVICE, NAMESPACE/NAME[:PORT]); unset: the builder's, as k8s/bootstrap/ makes it.
     */
    readonly acmeService?: { readonly namespace: string; readonly name: string; readonly port: string | number };
  };
  /** Backups of the whole installation: where archives go, how many are kept there, and when one is made (UTC). */
  readonly backup: { readonly dir: string; readonly keep: number; readonly schedule: string | undefined };
  /** Passed on to child processes (git) that need a PATH. */
  readonly path: string;
  /** The largest pack a push may send (git's receive.maxInputSize), from SLIPWAY_MAX_PUSH_MB. */
  readonly maxPushBytes: number;
  /** The largest build, deployment or job-run log (SLIPWAY_MAX_LOG_MB); past it the log is cut. */
  readonly maxLogBytes: number;
  /** What is kept of each app's images and logs; the rest is removed (src/domain/plan-retention.ts). */
  readonly retention: {
    /** Releases besides the one production runs whose images stay (SLIPWAY_KEEP_RELEASES). */
    readonly keepReleases: number;
    /** The newest successful builds whose images stay (SLIPWAY_KEEP_BUILDS). */
    readonly keepBuilds: number;
    /** Build, deployment and job-run logs kept of each kind (SLIPWAY_KEEP_LOGS); older files go, their rows stay. */
    readonly keepLogs: number;
    /** Days the audit log keeps an entry (SLIPWAY_KEEP_AUDIT_DAYS); older entries are removed whole. */
    readonly keepAuditDays: number;
  };
  /** A preview per branch (src/domain/branch-environment.ts): how many an app may have, and when an idle one stops. */
  readonly branchPreviews: {
    /** Branch previews one app may have (SLIPWAY_MAX_BRANCH_PREVIEWS); a push making one more is refused. 0: off. */
    readonly max: number;
    /** A branch preview with no push for this long is stopped (SLIPWAY_BRANCH_TTL_DAYS); its next push starts it. */
    readonly ttlMs: number;
  };
  /** What one client may hold of the server (git's requests and app traffic excepted where said). */
  readonly limits: {
    /** Time to send a request's headers (SLIPWAY_HEADERS_TIMEOUT, seconds). */
    readonly headersTimeoutMs: number;
    /** Time to send a UI, API or hook request's body (SLIPWAY_BODY_TIMEOUT, seconds); git's and apps' are not limited. */
    readonly bodyTimeoutMs: number;
    /** Open connections at once (SLIPWAY_MAX_CONNECTIONS); past it new ones are closed. */
    readonly maxConnections: number;
    /** Event streams (logs, live pages, generations) one token may hold open at once (SLIPWAY_MAX_STREAMS_PER_TOKEN). */
    readonly maxStreamsPerToken: number;
  };
  /** Outbound webhooks (src/pipeline/webhooks.ts): where they may go and how they are retried. */
  readonly webhooks: {
    /**
     * Hooks may point at loopback, private, link-local, unique-local, CGNAT and this server's own addresses
     * (SLIPWAY_WEBHOOKS_ALLOW_PRIVATE); off, only an admin's per-hook flag allows such a hook (SSRF, ARCHITECTURE.md).
     */
    readonly allowPrivate: boolean;
    /** One delivery attempt's time limit, connecting to the last byte read (SLIPWAY_WEBHOOK_TIMEOUT, seconds). */
    readonly timeoutMs: number;
    /** Attempts of one delivery before it gives up (SLIPWAY_WEBHOOK_MAX_ATTEMPTS). */
    readonly maxAttempts: number;
    /** Wait before the first retry (SLIPWAY_WEBHOOK_RETRY_SECONDS); doubles each time, one hour at most. */
    readonly retryBaseMs: number;
  };
}

type Env = Readonly<Record<string, string | undefined>>;

function pick(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** SLIPWAY_DOCKER_SUBNETS: an IPv4 CIDR that holds at least one /26 (default 10.213.0.0/16), or `docker`. */
function parseSubnetPool(env: Env): Ipv4Net | null {
  const raw = pick(env, 'SLIPWAY_DOCKER_SUBNETS');
  if (raw === undefined) return DEFAULT_SUBNET_POOL;
  if (raw === 'docker') return null;
  const pool = parseCidr(raw);
  if (!pool || pool.bits > SUBNET_BITS)
    throw new ConfigError(
      `SLIPWAY_DOCKER_SUBNETS="${raw}": expected an IPv4 range of /${SUBNET_BITS} or larger (e.g. 10.213.0.0/16), or "docker" for Docker's own address pools`,
    );
  return pool;
}

function parsePort(env: Env, name: string, fallback: number): number {
  const raw = pick(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 0 || n > 65535) throw new ConfigError(`${name}="${raw}": expected a port number from 0 to 65535`);
  return n;
}

function parseBool(env: Env, name: string, fallback = false): boolean {
  const raw = pick(env, name);
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name}="${raw}": expected true or false`);
}

function parseHttpsMode(env: Env): HttpsMode {
  const raw = pick(env, 'SLIPWAY_HTTPS') ?? 'off';
  if (raw === 'off' || raw === 'acme' || raw === 'manual') return raw;
  throw new ConfigError(`SLIPWAY_HTTPS="${raw}": expected off, acme or manual`);
}

function readableFile(env: Env, name: string, required: boolean): string | undefined {
  const raw = pick(env, name);
  if (raw === undefined) {
    if (required) throw new ConfigError(`${name} is not set: SLIPWAY_HTTPS=manual needs a certificate and its key in PEM files`);
    return undefined;
  }
  const path = resolve(raw);
  if (!existsSync(path)) throw new ConfigError(`${name}="${raw}": no such file`);
  return path;
}

function parseHttps(env: Env, domain: string): Config['https'] {
  const mode = parseHttpsMode(env);
  const directoryUrl = pick(env, 'SLIPWAY_ACME_DIRECTORY') ?? LETS_ENCRYPT_DIRECTORY;
  if (!/^https:\/\/\S+$/.test(directoryUrl)) throw new ConfigError(`SLIPWAY_ACME_DIRECTORY="${directoryUrl}": expected the https:// URL of an ACME directory`);
  const email = pick(env, 'SLIPWAY_ACME_EMAIL');
  if (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new ConfigError(`SLIPWAY_ACME_EMAIL="${email}": expected an email address`);
  const profile = pick(env, 'SLIPWAY_ACME_PROFILE');
  if (profile !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(profile))
    throw new ConfigError(`SLIPWAY_ACME_PROFILE="${profile}": expected a profile name such as classic`);
  if (mode === 'acme' && (domain === 'localhost' || domain.endsWith('.localhost')))
    throw new ConfigError(
      'SLIPWAY_HTTPS=acme: a CA cannot issue certificates for localhost; set SLIPWAY_DOMAIN to a domain whose names point at this machine (or use SLIPWAY_HTTPS=manual)',
    );
  return {
    mode,
    port: parsePort(env, 'SLIPWAY_HTTPS_PORT', 443),
    acme: {
      directoryUrl,
      email,
      caFile: readableFile(env, 'SLIPWAY_ACME_CA_FILE', false),
      profile,
      retryMs: parseInt(env, 'SLIPWAY_ACME_RETRY_SECONDS', 60, 1, 86_400) * 1000,
    },
    certFile: readableFile(env, 'SLIPWAY_TLS_CERT_FILE', mode === 'manual'),
    keyFile: readableFile(env, 'SLIPWAY_TLS_KEY_FILE', mode === 'manual'),
  };
}

/** Plain HTTP's port: SLIPWAY_PORT or SLIPWAY_HTTP_PORT (the same setting under two names; they must agree). */
function parseHttpPort(env: Env, fallback: number): number {
  const port = parsePort(env, 'SLIPWAY_PORT', fallback);
  const httpPort = parsePort(env, 'SLIPWAY_HTTP_PORT', port);
  if (pick(env, 'SLIPWAY_PORT') !== undefined && pick(env, 'SLIPWAY_HTTP_PORT') !== undefined && port !== httpPort)
    throw new ConfigError(`SLIPWAY_PORT=${port} and SLIPWAY_HTTP_PORT=${httpPort} disagree: set one of them`);
  return httpPort;
}

/** The origin people use when no public URL is set: the domain, over HTTPS when Slipway serves it. */
function defaultOrigin(domain: string, port: number, https: Config['https']): string {
  return https.mode === 'off' ? `http://${domain}:${port}` : `https://${domain}${https.port === 443 ? '' : `:${https.port}`}`;
}

/** On Kubernetes without SLIPWAY_DOMAIN, apps live under the public IP's nip.io name, as the seed does. */
function defaultDomain(env: Env, runtime: RuntimeKind): string {
  const ip = pick(env, 'SLIPWAY_PUBLIC_IP');
  if (ip !== undefined && !/^(\d{1,3}\.){3}\d{1,3}$/.test(ip)) throw new ConfigError(`SLIPWAY_PUBLIC_IP="${ip}": expected an IPv4 address such as 203.0.113.7`);
  return runtime === 'kubernetes' && ip ? `${ip.replaceAll('.', '-')}.nip.io` : 'localhost';
}

function parseDomain(env: Env, runtime: RuntimeKind): string {
  const raw = (pick(env, 'SLIPWAY_DOMAIN') ?? defaultDomain(env, runtime)).toLowerCase();
  if (!/^(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(raw)) {
    throw new ConfigError(`SLIPWAY_DOMAIN="${raw}": expected a DNS domain such as localhost or 203-0-113-7.nip.io`);
  }
  return raw;
}

function parseHost(env: Env): string {
  const raw = pick(env, 'SLIPWAY_HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(raw)) throw new ConfigError(`SLIPWAY_HOST="${raw}": expected an address to listen on, such as 127.0.0.1 or 0.0.0.0`);
  return raw;
}

function parseRuntime(env: Env): RuntimeKind {
  const raw = pick(env, 'SLIPWAY_RUNTIME');
  if (raw === 'docker' || raw === 'kubernetes') return raw;
  if (raw !== undefined) throw new ConfigError(`SLIPWAY_RUNTIME="${raw}": expected docker or kubernetes (or unset to choose automatically)`);
  // Automatic: in a cluster, or with a kubeconfig, use Kubernetes; otherwise the local Docker Engine.
  if (pick(env, 'KUBERNETES_SERVICE_HOST')) return 'kubernetes';
  const kubeconfig = pick(env, 'KUBECONFIG');
  if (kubeconfig && existsSync(kubeconfig.split(':')[0] ?? '')) return 'kubernetes';
  return 'docker';
}

/** "2g", "512m", "1536M": bytes (binary units). */
function parseMemory(env: Env, name: string, fallback: string): number {
  const raw = pick(env, name) ?? fallback;
  const m = /^(\d+)([kmg])?b?$/i.exec(raw);
  const bytes = m ? Number(m[1]) * 1024 ** ({ k: 1, m: 2, g: 3 }[(m[2] ?? '').toLowerCase()] ?? 0) : NaN;
  if (!Number.isFinite(bytes) || bytes < 32 * 1024 ** 2) throw new ConfigError(`${name}="${raw}": expected a memory size of at least 32m, such as 512m or 2g`);
  return bytes;
}

function parseCpus(env: Env, name: string, fallback: number): number {
  const raw = pick(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || n < 0.1 || n > 1024) throw new ConfigError(`${name}="${raw}": expected a number of CPUs from 0.1, such as 1 or 1.5`);
  return n;
}

function parseBuildArgs(env: Env): Record<string, string> {
  const raw = pick(env, 'SLIPWAY_BUILD_ARGS');
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const part of raw.split(',')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(part);
    if (!m) throw new ConfigError(`SLIPWAY_BUILD_ARGS: "${part}" is not KEY=VALUE (expected KEY=VALUE,KEY=VALUE)`);
    out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/** Where scripts/setup-claude-cli.sh installs the CLI (its SLIPWAY_CLAUDE_CLI_PREFIX default). */
function defaultClaudeCommand(env: Env): string | null {
  const prefix = pick(env, 'SLIPWAY_CLAUDE_CLI_PREFIX') ?? join(pick(env, 'HOME') ?? homedir(), '.cache', 'slipway-claude-cli');
  const cli = join(prefix, 'node_modules', '.bin', 'claude');
  return existsSync(cli) ? cli : null;
}

/** SLIPWAY_CLAUDE_COMMAND (the program a session runs; off when there is none), its limits and timeout. */
function parseClaudeSessions(env: Env): ClaudeSessionSettings {
  const command = pick(env, 'SLIPWAY_CLAUDE_COMMAND') ?? defaultClaudeCommand(env);
  if (command !== null && !isAbsolute(command)) throw new ConfigError(`SLIPWAY_CLAUDE_COMMAND="${command}": expected an absolute path`);
  return {
    command,
    max: parseInt(env, 'SLIPWAY_MAX_CLAUDE_SESSIONS', 2, 0, 100),
    memoryBytes: parseInt(env, 'SLIPWAY_CLAUDE_MEMORY_MB', 1024, 64, 1_048_576) * 1024 * 1024,
    idleMs: parseInt(env, 'SLIPWAY_CLAUDE_IDLE_MINUTES', 30, 1, 10_080) * 60_000,
  };
}

function parseBaseUrl(env: Env): string | undefined {
  const raw = pick(env, 'ANTHROPIC_BASE_URL');
  if (raw !== undefined && !/^https?:\/\/\S+$/.test(raw)) throw new ConfigError(`ANTHROPIC_BASE_URL="${raw}": expected an http(s) URL`);
  return raw;
}

function parseLogFormat(env: Env): LogFormat {
  const raw = pick(env, 'SLIPWAY_LOG_FORMAT') ?? 'pretty';
  if (raw === 'pretty' || raw === 'json') return raw;
  throw new ConfigError(`SLIPWAY_LOG_FORMAT="${raw}": expected pretty or json`);
}

function parseLogLevel(env: Env): LogLevel {
  const raw = pick(env, 'SLIPWAY_LOG_LEVEL') ?? 'info';
  if (['debug', 'info', 'warn', 'error', 'silent'].includes(raw)) return raw as LogLevel;
  throw new ConfigError(`SLIPWAY_LOG_LEVEL="${raw}": expected debug, info, warn, error or silent`);
}

function parseInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = pick(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new ConfigError(`${name}="${raw}": expected a whole number from ${min} to ${max}`);
  return n;
}

function parseInterval(env: Env): number {
  const raw = pick(env, 'SLIPWAY_RECONCILE_INTERVAL_MS');
  if (raw === undefined) return 30_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 100) throw new ConfigError(`SLIPWAY_RECONCILE_INTERVAL_MS="${raw}": expected milliseconds, at least 100`);
  return n;
}

// A label key (optional DNS prefix, then a name of 63 at most) and value, as Kubernetes checks them.
const LABEL_KEY = /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(?:[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function parseNodeSelector(env: Env, name = 'SLIPWAY_KUBE_NODE_SELECTOR'): Record<string, string> {
  const raw = pick(env, name);
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const pair of raw.split(',').map((p) => p.trim())) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq) : '';
    const value = eq > 0 ? pair.slice(eq + 1) : '';
    if (!LABEL_KEY.test(key) || key.length > 316 || !LABEL_VALUE.test(value) || key in out)
      throw new ConfigError(`${name}="${raw}": expected node labels such as slipway.dev/pool=apps (key=value, comma-separated, each key once)`);
    out[key] = value;
  }
  return out;
}

function parseAcmeService(env: Env): Config['kubernetes']['acmeService'] {
  const raw = pick(env, 'SLIPWAY_KUBE_ACME_SERVICE');
  if (raw === undefined) return undefined;
  const m = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)\/([a-z]([-a-z0-9]{0,61}[a-z0-9])?)(?::([a-z0-9-]{1,15}))?$/.exec(raw);
  const port = m?.[5] ?? 'http';
  const number = /^\d+$/.test(port) ? Number(port) : undefined;
  if (!m || (number !== undefined && (number < 1 || number > 65535)))
    throw new ConfigError(`SLIPWAY_KUBE_ACME_SERVICE="${raw}": expected NAMESPACE/SERVICE or NAMESPACE/SERVICE:PORT (a port name or number)`);
  return { namespace: m[1]!, name: m[3]!, port: number ?? port };
}

/** SLIPWAY_BACKUP_SCHEDULE (cron, 5 fields, UTC), SLIPWAY_BACKUP_KEEP, SLIPWAY_BACKUP_DIR (DATA_DIR/backups). */
function parseBackup(env: Env, dataDir: string): Config['backup'] {
  const schedule = pick(env, 'SLIPWAY_BACKUP_SCHEDULE');
  if (schedule !== undefined) {
    let error = schedule.split(/\s+/).length === 5 ? '' : 'expected 5 fields';
    try {
      if (!error) new Cron(schedule, { paused: true }).stop();
    } catch (e) {
      error = (e as Error).message;
    }
    if (error) throw new ConfigError(`SLIPWAY_BACKUP_SCHEDULE="${schedule}": expected a cron expression such as "0 3 * * *" (daily at 03:00 UTC): ${error}`);
  }
  const dir = pick(env, 'SLIPWAY_BACKUP_DIR');
  return { dir: dir ? resolve(dir) : join(dataDir, 'backups'), keep: parseInt(env, 'SLIPWAY_BACKUP_KEEP', 7, 1, 10_000), schedule };
}

export type BuildEngine = 'docker' | 'buildkit';

export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
}

/** SLIPWAY_REGISTRY_USER and SLIPWAY_REGISTRY_PASSWORD: both or neither, and only with a registry to use them on. */
function parseRegistryAuth(env: Env, registry: string | undefined): RegistryAuth | undefined {
  const username = pick(env, 'SLIPWAY_REGISTRY_USER');
  const password = pick(env, 'SLIPWAY_REGISTRY_PASSWORD');
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined)
    throw new ConfigError(
      `SLIPWAY_REGISTRY_${username === undefined ? 'USER' : 'PASSWORD'} is not set: the registry's credentials are a user and a password, both or neither`,
    );
  // A colon would end the user name in Basic auth; control characters cannot go into a header.
  if (!/^[^:\s]{1,100}$/.test(username)) throw new ConfigError('SLIPWAY_REGISTRY_USER: expected 1–100 characters without ":" or spaces');
  if ([...password].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) || password.length > 512)
    throw new ConfigError('SLIPWAY_REGISTRY_PASSWORD: expected at most 512 characters and no control characters');
  if (registry === undefined) throw new ConfigError('SLIPWAY_REGISTRY_USER is set but SLIPWAY_REGISTRY is not: credentials need a registry to be used on');
  return { username, password };
}

export interface BuildkitSettings {
  /** The build image (SLIPWAY_BUILDKIT_IMAGE): buildkitd, buildctl and scripts/buildkit-image.sh's entrypoint. */
  readonly image: string | undefined;
  /** The namespace build Jobs run in (SLIPWAY_BUILD_NAMESPACE), with its own quota; never an app's. */
  readonly namespace: string;
  /**
   * How a build pod reaches Slipway to fetch the commit's tree (SLIPWAY_BUILD_CONTEXT_URL); unset in a cluster,
   * `http://POD_IP:PORT` from the builder pod's own address (SLIPWAY_POD_IP, the downward API).
   */
  readonly contextUrl: string | undefined;
  /** Layers cached in the registry, shared by every node (SLIPWAY_BUILD_CACHE=registry, the default) or none. */
  readonly cache: boolean;
  /** The address the registry's name resolves to in build pods (SLIPWAY_KUBE_REGISTRY_IP, a hostAlias); unset: DNS. */
  readonly registryIp: string | undefined;
  /** Node labels a build pod needs (SLIPWAY_BUILD_NODE_SELECTOR); unset: SLIPWAY_KUBE_NODE_SELECTOR's. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /**
   * `NoSchedule` taints a build pod tolerates: those of both selectors, so that builds pinned to one node of the app
   * pool (`kubernetes.io/hostname=…`) still tolerate the pool's taint.
   */
  readonly tolerate: Readonly<Record<string, string>>;
}

/** SLIPWAY_BUILDER and the BuildKit Job settings; `buildkit` needs Kubernetes, a registry and the build image. */
function parseBuildEngine(
  env: Env,
  o: { runtime: RuntimeKind; registry: string | undefined; nodeSelector: Record<string, string>; port: number },
): { engine: BuildEngine; registryUrl: string | undefined; buildkit: BuildkitSettings } {
  const raw = pick(env, 'SLIPWAY_BUILDER');
  if (raw !== undefined && raw !== 'docker' && raw !== 'buildkit') throw new ConfigError(`SLIPWAY_BUILDER="${raw}": expected docker or buildkit`);
  const engine: BuildEngine = raw ?? (o.runtime === 'kubernetes' ? 'buildkit' : 'docker');
  const registryUrl = pick(env, 'SLIPWAY_REGISTRY_URL');
  if (registryUrl !== undefined && !/^https?:\/\/[^\s/]+\/?$/.test(registryUrl))
    throw new ConfigError(`SLIPWAY_REGISTRY_URL="${registryUrl}": expected http://HOST:PORT or https://HOST (no path)`);
  const namespace = pick(env, 'SLIPWAY_BUILD_NAMESPACE') ?? 'slipway-builds';
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace) || namespace.startsWith('app-'))
    throw new ConfigError(`SLIPWAY_BUILD_NAMESPACE="${namespace}": expected a namespace name not starting with app- (those are apps')`);
  const cacheRaw = pick(env, 'SLIPWAY_BUILD_CACHE') ?? 'registry';
  if (cacheRaw !== 'registry' && cacheRaw !== 'none') throw new ConfigError(`SLIPWAY_BUILD_CACHE="${cacheRaw}": expected registry or none`);
  const registryIp = pick(env, 'SLIPWAY_KUBE_REGISTRY_IP');
  if (registryIp !== undefined && !/^(\d{1,3}\.){3}\d{1,3}$/.test(registryIp))
    throw new ConfigError(`SLIPWAY_KUBE_REGISTRY_IP="${registryIp}": expected an IPv4 address (the registry Service's ClusterIP)`);
  const podIp = pick(env, 'SLIPWAY_POD_IP');
  let contextUrl = pick(env, 'SLIPWAY_BUILD_CONTEXT_URL');
  if (contextUrl !== undefined && !/^https?:\/\/[^\s/]+\/?$/.test(contextUrl))
    throw new ConfigError(`SLIPWAY_BUILD_CONTEXT_URL="${contextUrl}": expected http://HOST:PORT (how build pods reach Slipway; no path)`);
  contextUrl ??= podIp ? `http://${podIp.includes(':') ? `[${podIp}]` : podIp}:${o.port}` : undefined;
  const buildSelector = pick(env, 'SLIPWAY_BUILD_NODE_SELECTOR') === undefined ? o.nodeSelector : parseNodeSelector(env, 'SLIPWAY_BUILD_NODE_SELECTOR');
  const buildkit: BuildkitSettings = {
    image: pick(env, 'SLIPWAY_BUILDKIT_IMAGE'),
    namespace,
    contextUrl: contextUrl?.replace(/\/$/, ''),
    cache: cacheRaw === 'registry',
    registryIp,
    nodeSelector: buildSelector,
    tolerate: { ...o.nodeSelector, ...buildSelector },
  };
  if (engine === 'buildkit') {
    const fix = 'or set SLIPWAY_BUILDER=docker to build with a Docker Engine';
    if (o.runtime !== 'kubernetes')
      throw new ConfigError(`SLIPWAY_BUILDER=buildkit runs builds as Kubernetes Jobs: it needs SLIPWAY_RUNTIME=kubernetes (${fix})`);
    if (o.registry === undefined) throw new ConfigError(`SLIPWAY_BUILDER=buildkit needs SLIPWAY_REGISTRY, the registry every node pulls from (${fix})`);
    if (buildkit.image === undefined)
      throw new ConfigError(`SLIPWAY_BUILDER=buildkit needs SLIPWAY_BUILDKIT_IMAGE, the build image (scripts/buildkit-image.sh pushes one; ${fix})`);
    if (buildkit.contextUrl === undefined)
      throw new ConfigError(
        `SLIPWAY_BUILDER=buildkit needs SLIPWAY_BUILD_CONTEXT_URL, how build pods reach Slipway (in a cluster, SLIPWAY_POD_IP from the downward API is enough; ${fix})`,
      );
  }
  return { engine, registryUrl: registryUrl?.replace(/\/$/, ''), buildkit };
}

export function loadConfig(env: Env = process.env, projectRoot: string = findProjectRoot()): Config {
  const host = parseHost(env);
  const runtime = parseRuntime(env);
  const domain = parseDomain(env, runtime);
  const https = parseHttps(env, domain);
  const port = parseHttpPort(env, https.mode === 'off' ? 8080 : 80);
  const builderSa = pick(env, 'SLIPWAY_KUBE_BUILDER_SERVICE_ACCOUNT') ?? 'slipway-system/slipway-builder';
  const sa = /^([a-z0-9-]{1,63})\/([a-z0-9.-]{1,253})$/.exec(builderSa);
  if (!sa) throw new ConfigError(`SLIPWAY_KUBE_BUILDER_SERVICE_ACCOUNT="${builderSa}": expected NAMESPACE/NAME`);
  const ingressClass = pick(env, 'SLIPWAY_KUBE_INGRESS_CLASS') ?? 'traefik';
  if (!/^[a-z0-9.-]{1,63}$/.test(ingressClass)) throw new ConfigError(`SLIPWAY_KUBE_INGRESS_CLASS="${ingressClass}": expected an IngressClass name`);
  const nodeSelector = parseNodeSelector(env);
  const acmeService = parseAcmeService(env);
  const adminToken = pick(env, 'SLIPWAY_ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16) throw new ConfigError('SLIPWAY_ADMIN_TOKEN: expected at least 16 characters');
  const publicUrl = pick(env, 'SLIPWAY_PUBLIC_URL');
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/]+$/.test(publicUrl))
    throw new ConfigError(`SLIPWAY_PUBLIC_URL="${publicUrl}": expected a URL such as http://example.com:8080 (no path)`);
  if (publicUrl?.startsWith('http://') && https.mode !== 'off')
    throw new ConfigError(`SLIPWAY_PUBLIC_URL="${publicUrl}": with SLIPWAY_HTTPS=${https.mode} the public URL is https://`);
  const registry = pick(env, 'SLIPWAY_REGISTRY');
  if (registry !== undefined && !/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._/-]+)?$/.test(registry))
    throw new ConfigError(`SLIPWAY_REGISTRY="${registry}": expected a registry such as localhost:5050`);
  const environmentsDir = pick(env, 'SLIPWAY_ENVIRONMENTS_DIR') ?? join(projectRoot, 'environments');
  const engine = parseBuildEngine(env, { runtime, registry, nodeSelector, port });
  const registryAuth = parseRegistryAuth(env, registry);

  const config: Config = {
    projectRoot,
    dataDir: resolve(pick(env, 'SLIPWAY_DATA_DIR') ?? './data'),
    port,
    host,
    domain,
    publicUrl: publicUrl ?? defaultOrigin(domain, port, https),
    trustedOrigins: publicUrl
      ? [new URL(publicUrl).origin]
      : domain === 'localhost' && https.mode === 'off'
        ? [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`]
        : [new URL(defaultOrigin(domain, port, https)).origin],
    adminToken,
    https,
    runtime,
    logLevel: parseLogLevel(env),
    logFormat: parseLogFormat(env),
    environments: loadEnvironments(environmentsDir),
    pipeline: { paused: parseBool(env, 'SLIPWAY_PIPELINE_PAUSED'), intervalMs: parseInterval(env) },
    build: {
      registry,
      buildArgs: parseBuildArgs(env),
      memoryBytes: parseMemory(env, 'SLIPWAY_BUILD_MEMORY', '2g'),
      cpus: parseCpus(env, 'SLIPWAY_BUILD_CPUS', availableParallelism()),
      // 4194304: the kernel's highest pid (PID_MAX_LIMIT).
      pids: parseInt(env, 'SLIPWAY_BUILD_PIDS', 512, 16, 4_194_304),
      timeoutMs: parseInt(env, 'SLIPWAY_BUILD_TIMEOUT', 20, 1, 24 * 60) * 60_000,
      concurrency: parseInt(env, 'SLIPWAY_BUILD_CONCURRENCY', availableParallelism(), 1, 1024),
      ...engine,
      registryAuth,
    },
    firewall: parseBool(env, 'SLIPWAY_FIREWALL', true),
    docker: { socketPath: pick(env, 'SLIPWAY_DOCKER_SOCKET'), host: pick(env, 'DOCKER_HOST'), subnets: parseSubnetPool(env) },
    kubernetes: { builderServiceAccount: { namespace: sa[1]!, name: sa[2]! }, ingressClass, nodeSelector, ...(acmeService ? { acmeService } : {}) },
    codegen: {
      apiKey: pick(env, 'ANTHROPIC_API_KEY'),
      baseURL: parseBaseUrl(env),
      model: pick(env, 'SLIPWAY_MODEL') ?? 'claude-sonnet-5-5',
      maxTurns: parseInt(env, 'SLIPWAY_MAX_TURNS', 20, 1, 200),
      maxTokensPerTurn: parseInt(env, 'SLIPWAY_MAX_TOKENS_PER_TURN', 16_384, 256, 128_000),
      maxTotalTokens: parseInt(env, 'SLIPWAY_MAX_TOTAL_TOKENS', 1_000_000, 1_000, 100_000_000),
      maxRetries: parseInt(env, 'SLIPWAY_ANTHROPIC_MAX_RETRIES', 2, 0, 10),
      timeoutMs: parseInt(env, 'SLIPWAY_ANTHROPIC_TIMEOUT_MS', 600_000, 1_000, 3_600_000),
      fixAttempts: parseInt(env, 'SLIPWAY_FIX_ATTEMPTS', 1, 0, 5),
    },
    claudeSessions: parseClaudeSessions(env),
    backup: parseBackup(env, resolve(pick(env, 'SLIPWAY_DATA_DIR') ?? './data')),
    path: pick(env, 'PATH') ?? '/usr/local/bin:/usr/bin:/bin',
    maxPushBytes: parseInt(env, 'SLIPWAY_MAX_PUSH_MB', 200, 1, 100_000) * 1024 * 1024,
    maxLogBytes: parseInt(env, 'SLIPWAY_MAX_LOG_MB', 20, 1, 10_000) * 1024 * 1024,
    retention: {
      keepReleases: parseInt(env, 'SLIPWAY_KEEP_RELEASES', 10, 0, 10_000),
      keepBuilds: parseInt(env, 'SLIPWAY_KEEP_BUILDS', 5, 0, 10_000),
      keepLogs: parseInt(env, 'SLIPWAY_KEEP_LOGS', 50, 1, 1_000_000),
      keepAuditDays: parseInt(env, 'SLIPWAY_KEEP_AUDIT_DAYS', 365, 1, 100_000),
    },
    branchPreviews: {
      max: parseInt(env, 'SLIPWAY_MAX_BRANCH_PREVIEWS', 5, 0, 100),
      ttlMs: parseInt(env, 'SLIPWAY_BRANCH_TTL_DAYS', 14, 1, 3650) * 86_400_000,
    },
    limits: {
      headersTimeoutMs: parseInt(env, 'SLIPWAY_HEADERS_TIMEOUT', 20, 1, 600) * 1000,
      bodyTimeoutMs: parseInt(env, 'SLIPWAY_BODY_TIMEOUT', 30, 1, 3600) * 1000,
      maxConnections: parseInt(env, 'SLIPWAY_MAX_CONNECTIONS', 1000, 1, 1_000_000),
      maxStreamsPerToken: parseInt(env, 'SLIPWAY_MAX_STREAMS_PER_TOKEN', 20, 1, 10_000),
    },
    webhooks: {
      allowPrivate: parseBool(env, 'SLIPWAY_WEBHOOKS_ALLOW_PRIVATE'),
      timeoutMs: parseInt(env, 'SLIPWAY_WEBHOOK_TIMEOUT', 10, 1, 120) * 1000,
      maxAttempts: parseInt(env, 'SLIPWAY_WEBHOOK_MAX_ATTEMPTS', 8, 1, 20),
      retryBaseMs: parseInt(env, 'SLIPWAY_WEBHOOK_RETRY_SECONDS', 15, 1, 3600) * 1000,
    },
  };
  return deepFreeze(config);
}

/** The user's home, for the CLI's defaults. */

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
