// `slipway doctor` and the about page's checks: is this installation able to take a push to a live app, and to be
// reached from outside? Each check answers within a few seconds (or says it did not), and each one that is not ok
// says what to do about it.
import { pingRegistry, RegistryError } from '../build/registry-manifests.js';
import { readdirSync, readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { statfs } from 'node:fs/promises';
import { isIP } from 'node:net';
import { basename, join } from 'node:path';
import type Docker from 'dockerode';
import type { BuildCgroups } from '../build/build-cgroups.js';
import type { Config } from '../config/load-config.js';
import { messageOf } from '../shared/errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { describeDockerEndpoint } from '../shared/docker/create-docker-client.js';
import { readStatusFile } from '../tls/certificate-files.js';
import type { CertificateState } from '../domain/certificate-state.js';
import type { Certificates } from '../tls/certificates.js';
import { Cron } from 'croner';
import { formatBytes } from '../codegen/format-bytes.js';
import { readBackupStatus } from './backup-status.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do, when the status is not ok. */
  fix?: string;
}

export interface CheckDeps {
  config: Config;
  runtime: Runtime;
  docker: Docker;
  /** The process limit of builds (absent: not checked). */
  buildCgroups?: BuildCgroups;
  /** The server's certificates (in the CLI, a fresh copy: what the server last knew is read from its status file). */
  certificates?: Certificates;
  /** Name resolution as this machine does it (tests give their own: they ask no DNS server). */
  lookup?: (host: string) => Promise<{ address: string }[]>;
}

const CHECK_MS = 3000;
const GIB = 1024 ** 3;
/** Below this much free space a build or a push may fail: an error. Below WARN_FREE, a warning. */
const MIN_FREE = 1 * GIB;
const WARN_FREE = 5 * GIB;

class TookTooLong extends Error {}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TookTooLong(`no answer within ${ms / 1000} s`)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
const warn = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'warn', detail, fix });
const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'fail', detail, fix });

const gib = (bytes: number) => `${(bytes / GIB).toFixed(1)} GiB`;

/** The base images the templates build FROM: `ARG NAME=default` lines of app-templates/<t>/Dockerfile. */
export function templateBaseImages(templatesDir: string): { arg: string; image: string }[] {
  const found = new Map<string, string>();
  for (const t of readdirSync(templatesDir, { withFileTypes: true })) {
    if (!t.isDirectory()) continue;
    let text: string;
    try {
      text = readFileSync(join(templatesDir, t.name, 'Dockerfile'), 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/^ARG ([A-Z0-9_]+_IMAGE)=(\S+)\s*$/gm)) found.set(m[1]!, m[2]!);
  }
  return [...found].sort(([a], [b]) => a.localeCompare(b)).map(([arg, image]) => ({ arg, image }));
}

async function checkRuntime(deps: CheckDeps): Promise<{ result: CheckResult; dockerRoot: string | null }> {
  if (deps.runtime.kind === 'kubernetes') {
    try {
      await within(CHECK_MS, deps.runtime.ping());
      return { result: ok('Kubernetes', 'the apiserver answers'), dockerRoot: null };
    } catch (e) {
      return {
        result: fail('Kubernetes', messageOf(e), 'check KUBECONFIG (or, in the cluster, the builder ServiceAccount) and that the apiserver runs'),
        dockerRoot: null,
      };
    }
  }
  try {
    const [version, info] = await within(CHECK_MS, Promise.all([deps.docker.version(), deps.docker.info() as Promise<{ DockerRootDir?: string }>]));
    return { result: ok('Docker Engine', `version ${version.Version}, API ${version.ApiVersion}`), dockerRoot: info.DockerRootDir ?? null };
  } catch (e) {
    return {
      result: fail(
        'Docker Engine',
        messageOf(e),
        'start it: `npm start` as root installs and starts it (scripts/services.sh up docker), or `sudo systemctl start docker`',
      ),
      dockerRoot: null,
    };
  }
}

async function checkRegistry(deps: CheckDeps): Promise<CheckResult> {
  const registry = deps.config.build.registry;
  if (!registry) return ok('Registry', 'none: images stay in the local Docker Engine');
  if (deps.runtime.kind === 'kubernetes' && deps.config.build.engine === 'docker')
    return ok('Registry', `${registry} (the node's Docker Engine pushes there; not reachable from this pod to check)`);
  // With BuildKit, Slipway itself reads the registry (is an image there, retention): it must answer here too.
  try {
    await within(CHECK_MS, pingRegistry(registry.split('/')[0]!));
    return ok('Registry', `${registry} answers${deps.config.build.registryAuth ? ' (with SLIPWAY_REGISTRY_USER’s credentials)' : ''}`);
  } catch (e) {
    if (e instanceof RegistryError && e.needsPerson)
      return fail('Registry', `${registry}: ${e.message}`, 'set the registry’s credentials (README: Kubernetes)');
    return fail(
      'Registry',
      `${registry}: ${messageOf(e)}`,
      `start the registry at ${registry} (scripts/services.sh up; SLIPWAY_REGISTRY_URL says where Slipway reaches it), or unset SLIPWAY_REGISTRY`,
    );
  }
}

async function checkBaseImages(deps: CheckDeps, dockerUp: boolean): Promise<CheckResult> {
  if (deps.runtime.kind !== 'docker') return ok('Base images', 'pulled by the node that builds');
  if (!dockerUp) return warn('Base images', 'not checked: Docker Engine does not answer', 'start Docker Engine first');
  const images = templateBaseImages(join(deps.config.projectRoot, 'app-templates')).map(({ arg, image }) => deps.config.build.buildArgs[arg] ?? image);
  const missing: string[] = [];
  for (const image of images) {
    try {
      await within(CHECK_MS, deps.docker.getImage(image).inspect());
    } catch {
      missing.push(image);
    }
  }
  if (missing.length === 0) return ok('Base images', images.join(', '));
  return warn(
    'Base images',
    `not here: ${missing.join(', ')}; a build pulls them, which fails without Docker Hub (unless \`npm start\` gave builds the offline ones, as it does when these cannot be pulled)`,
    '`npm start` pulls them or builds the offline ones; by hand: `sudo bash scripts/build-base-images.sh --templates`, then start with the SLIPWAY_BUILD_ARGS it prints',
  );
}

async function checkDisk(name: string, path: string): Promise<CheckResult> {
  try {
    const s = await within(CHECK_MS, statfs(path));
    const free = s.bavail * s.bsize;
    const detail = `${gib(free)} free of ${gib(s.blocks * s.bsize)} at ${path}`;
    if (free < MIN_FREE) return fail(name, detail, `free space at ${path}: builds, pushes and logs need it (docker system prune removes unused images)`);
    if (free < WARN_FREE) return warn(name, detail, `free some space at ${path} soon (docker system prune removes unused images)`);
    return ok(name, detail);
  } catch (e) {
    return warn(name, `cannot read ${path}: ${messageOf(e)}`, `check that ${path} exists and is readable by this user`);
  }
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

async function checkPublicUrl(config: Config, resolve: NonNullable<CheckDeps['lookup']>): Promise<CheckResult> {
  const url = new URL(config.publicUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isLoopbackHost(host)) return ok('Public URL', `${config.publicUrl}: this machine only (set SLIPWAY_PUBLIC_URL to serve others)`);
  if (isIP(host)) return ok('Public URL', `${config.publicUrl} (an address: no DNS needed)`);
  try {
    const found = await within(CHECK_MS, resolve(host));
    return ok('Public URL', `${config.publicUrl}: ${host} resolves to ${found.map((a) => a.address).join(', ')}`);
  } catch (e) {
    return fail(
      'Public URL',
      `${host} does not resolve here (${e instanceof TookTooLong ? e.message : messageOf(e)})`,
      `add a DNS record for ${host} (and *.${config.domain} for the apps) pointing at this machine, or set SLIPWAY_PUBLIC_URL`,
    );
  }
}

function checkTls(config: Config, certificates: Certificates | undefined): CheckResult {
  const url = new URL(config.publicUrl);
  if (config.https.mode !== 'off') return checkServedTls(config, certificates);
  if (url.protocol === 'https:') return ok('TLS', `${config.publicUrl} is HTTPS (terminated in front of Slipway)`);
  if (isLoopbackHost(url.hostname)) return ok('TLS', 'off: not needed on this machine alone');
  return warn(
    'TLS',
    `off: tokens, session cookies and code travel unencrypted to ${url.host}`,
    'serve Slipway through an HTTPS proxy and set SLIPWAY_PUBLIC_URL=https://…',
  );
}

/** Slipway serves TLS itself: every host's certificate, the failing ones first. */
function checkServedTls(config: Config, certificates: Certificates | undefined): CheckResult {
  const { mode, port } = config.https;
  const uiHost = new URL(config.publicUrl).hostname;
  const live = certificates?.list() ?? [];
  const hosts: { host: string; status: CertificateState }[] =
    mode === 'manual'
      ? [{ host: uiHost, status: certificates?.status(uiHost) ?? { state: 'none' } }]
      : live.length > 0
        ? live
        : (readStatusFile(config.dataDir)?.hosts ?? []);
  const day = (iso: string | undefined) => (iso ? iso.slice(0, 10) : '?');
  const failed = hosts.filter((h) => h.status.state === 'failed');
  if (failed.length > 0) {
    const first = failed[0]!;
    const retry = first.status.nextAttemptAt ? `; next try ${first.status.nextAttemptAt}` : '';
    return fail(
      'TLS',
      `${mode}: no valid certificate for ${failed.map((h) => h.host).join(', ')} (${first.status.error ?? 'expired'}${retry}); those hosts are served over plain HTTP`,
      mode === 'acme'
        ? `check that ${first.host} resolves to this machine and that port 80 (SLIPWAY_HTTP_PORT=${config.port}) reaches Slipway from the internet; the order is retried on its own`
        : `put a current certificate and its key in ${config.https.certFile} and ${config.https.keyFile} (read again within 5 s)`,
    );
  }
  if (mode === 'manual' && hosts[0]?.status.state === 'none')
    return warn(
      'TLS',
      `manual: the certificate in ${config.https.certFile} does not cover ${uiHost}`,
      `use a certificate for ${uiHost} (and *.${config.domain} for the apps)`,
    );
  const ui = hosts.find((h) => h.host === uiHost);
  const valid = hosts.filter((h) => h.status.state === 'valid').length;
  const pending = hosts.filter((h) => h.status.state === 'pending').map((h) => h.host);
  const summary = `${mode} on port ${port}: ${valid} of ${hosts.length} host(s) certified${ui?.status.notAfter ? `, ${uiHost}'s until ${day(ui.status.notAfter)}` : ''}`;
  if (pending.length > 0) return warn('TLS', `${summary}; being ordered: ${pending.join(', ')}`, 'wait a minute; if it stays so, look at the server log (tls)');
  if (hosts.length === 0)
    return warn('TLS', `${mode} on port ${port}: no certificate state yet`, 'start the server (npm start); certificates are ordered as hosts are served');
  return ok('TLS', summary);
}

function checkApiKey(config: Config): CheckResult {
  if (config.codegen.apiKey) return ok('Anthropic API key', 'set: Claude can write changes');
  return warn('Anthropic API key', 'not set: apps can be created and pushed, but not described to Claude', 'set ANTHROPIC_API_KEY and restart');
}

/** The firewall of the Docker runtime's networks (Kubernetes keeps apps apart with NetworkPolicy). */
async function checkFirewall(deps: CheckDeps): Promise<CheckResult | null> {
  if (!deps.runtime.firewall) return null;
  try {
    const s = await within(CHECK_MS, deps.runtime.firewall());
    return s.state === 'on' ? ok('Firewall', s.detail) : warn('Firewall', s.detail, s.fix ?? 'see SLIPWAY_FIREWALL in the README');
  } catch (e) {
    return warn('Firewall', `not checked: ${messageOf(e)}`, 'run `slipway doctor` again');
  }
}

/** The process limit of builds (SLIPWAY_BUILD_PIDS): a cgroup of each build's own, or a systemd slice they share. */
async function checkBuildProcesses(deps: CheckDeps): Promise<CheckResult | null> {
  if (!deps.buildCgroups) return null;
  const name = 'Build process limit';
  try {
    const s = await within(CHECK_MS, deps.buildCgroups.status());
    return s.state === 'on' && s.fix === undefined ? ok(name, s.detail) : warn(name, s.detail, s.fix ?? 'see SLIPWAY_BUILD_PIDS in the README');
  } catch (e) {
    return warn(name, `not checked: ${messageOf(e)}`, 'run `slipway doctor` again');
  }
}

/** The last backup's time, size and result (from whichever process made it), and the schedule. */
export function checkBackups(config: Config): CheckResult {
  const { schedule, keep, dir } = config.backup;
  const plan = schedule ? `schedule "${schedule}" (UTC), the newest ${keep} kept in ${dir}` : 'no schedule';
  const status = readBackupStatus(config.dataDir);
  if (!status) {
    if (schedule) return ok('Backups', `none yet; ${plan}`);
    return warn(
      'Backups',
      'none yet, and none scheduled',
      'set SLIPWAY_BACKUP_SCHEDULE="0 3 * * *" (daily at 03:00 UTC) or run `slipway backup`, and copy the archives off this machine (they hold the secrets key)',
    );
  }
  const { last, lastOk } = status;
  if (last.result === 'failed')
    return fail(
      'Backups',
      `the last backup (${last.at}, ${last.trigger}) failed: ${last.error ?? 'no reason recorded'}; ${lastOk ? `the last good one is from ${lastOk.at}` : 'none has worked yet'}`,
      'fix what the error says, then run `slipway backup` (or wait for the schedule)',
    );
  const took = `${(last.durationMs / 1000).toFixed(1)} s`;
  const detail = `last ${last.at} (${last.trigger}): ${basename(last.file ?? '?')}, ${formatBytes(last.size ?? 0)}, ${last.apps ?? 0} app(s), took ${took}; ${plan}`;
  // The schedule should have made one since (a quarter of an hour allowed for one being made): it did not run.
  const due = schedule ? new Cron(schedule, { paused: true, timezone: 'UTC' }).nextRun(new Date(last.at)) : null;
  if (due && Date.now() - due.getTime() > 15 * 60_000)
    return warn(
      'Backups',
      `${detail}; none since the one due at ${due.toISOString()}`,
      'check that the server runs (scheduled backups are made by `slipway serve`) and look at its log (backup)',
    );
  return ok('Backups', detail);
}

/** Every check, in a fixed order; none throws. */
export async function checkInstallation(deps: CheckDeps): Promise<CheckResult[]> {
  const { config } = deps;
  const runtime = await checkRuntime(deps);
  const dockerUp = runtime.result.status === 'ok';
  const [registry, images, dataDisk, dockerDisk, publicUrl, firewall, buildProcesses] = await Promise.all([
    checkRegistry(deps),
    checkBaseImages(deps, dockerUp),
    checkDisk('Data folder disk', config.dataDir),
    // Docker's root folder is on this machine's disks only when the engine is reached through a local socket.
    runtime.dockerRoot && describeDockerEndpoint(config.docker).startsWith('unix://') ? checkDisk('Docker disk', runtime.dockerRoot) : Promise.resolve(null),
    checkPublicUrl(config, deps.lookup ?? ((host) => lookup(host, { all: true }))),
    checkFirewall(deps),
    checkBuildProcesses(deps),
  ]);
  return [
    runtime.result,
    registry,
    images,
    dataDisk,
    ...(dockerDisk ? [dockerDisk] : []),
    ...(firewall ? [firewall] : []),
    ...(buildProcesses ? [buildProcesses] : []),
    publicUrl,
    checkTls(config, deps.certificates),
    checkApiKey(config),
    checkBackups(config),
  ];
}
