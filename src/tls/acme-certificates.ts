// Certificates from an ACME CA (Let's Encrypt by default), one per host, through HTTP-01 challenges that
// Slipway's own plain-HTTP listener answers. Orders run one at a time in the background: a host without a
// certificate is ordered as soon as it is wanted, a certificate is renewed when `renewalTime` says, a failed
// order is tried again after `retryDelay`. Nothing here ever stops plain HTTP from serving.
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { Agent, get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type * as AcmeClient from 'acme-client';
import type { Config } from '../config/load-config.js';
import { isCertifiableHost, renewalTime, retryDelay } from '../domain/certificate-renewal.js';
import { messageOf } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { loadCertificates, removeCertificate, saveCertificate, tlsDir, writePrivateFile, writeStatusFile, type CertificatePair } from './certificate-files.js';
import type { CertificateState } from '../domain/certificate-state.js';
import { changeListeners, type Certificates } from './certificates.js';

/** One order may take this long (the CA polls, validates, signs); past it, it counts as failed. */
const ORDER_TIMEOUT_MS = 120_000;
/** The longest sleep of the background loop: it also looks for new hosts this often. */
const MAX_SLEEP_MS = 60_000;

interface HostState {
  pair?: CertificatePair;
  context?: SecureContext;
  failures: number;
  error?: string;
  nextAttemptAt?: number;
  ordering: boolean;
}

export interface AcmeCertificatesOptions {
  readonly dataDir: string;
  readonly acme: Config['https']['acme'];
  readonly log: Logger;
  /** Clock, for tests of renewal; Date.now by default. */
  readonly now?: () => number;
}

type Acme = typeof AcmeClient;
let loaded: Promise<Acme> | undefined;

/**
 * acme-client (with axios, node-forge and @peculiar/x509) takes most of a second to load: loaded when the first
 * order starts, not by every `slipway` command and server start.
 */
async function loadAcme(log: Logger, agent: Agent | undefined): Promise<Acme> {
  loaded ??= import('acme-client').then((m) => ((m as unknown as { default?: Acme }).default ?? m) as Acme);
  const acme = await loaded;
  // One HTTP client and logger for the process: set for the caller (tests run several servers in one process).
  configureHttpClient(acme, agent);
  acme.setLogger((message) => log.debug(message));
  return acme;
}

function caAgent(caFile: string | undefined): Agent | undefined {
  return caFile ? new Agent({ ca: [...rootCertificates, readFileSync(caFile, 'utf8')], keepAlive: true }) : undefined;
}

function configureHttpClient(acme: Acme, agent: Agent | undefined): void {
  // acme-client has one HTTP client for the process. Its own retries wait 5, 10, 15… s each: ours are enough.
  const settings = acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number; retryDefaultDelay: number }; timeout: number };
  settings.acmeSettings.retryMaxAttempts = 2;
  settings.acmeSettings.retryDefaultDelay = 1;
  settings.timeout = 30_000;
  acme.axios.defaults.httpsAgent = agent;
}

/**
 * Why the ACME directory cannot be reached (ECONNREFUSED, a name that does not resolve, a certificate not trusted),
 * or undefined when it answers. acme-client turns network errors into a TypeError of its own (it reads the
 * response's config when there was no response), so the reason is asked for again here.
 */
function unreachableReason(directoryUrl: string, agent: Agent | undefined): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = httpsGet(directoryUrl, { ...(agent ? { agent } : {}), timeout: 10_000 }, (res) => {
      res.resume();
      resolve(undefined);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve(`the ACME server ${directoryUrl} cannot be reached: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ')),
    );
  });
}

export function createAcmeCertificates(options: AcmeCertificatesOptions): Certificates {
  const { dataDir, log } = options;
  const now = options.now ?? Date.now;
  const agent = caAgent(options.acme.caFile);
  mkdirSync(tlsDir(dataDir), { recursive: true, mode: 0o700 });

  const hosts = new Map<string, HostState>();
  const challenges = new Map<string, string>();
  let wanted = new Set<string>();
  let client: AcmeClient.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const listeners = changeListeners(log);

  for (const pair of loadCertificates(dataDir, (host, e) =>
    log.warn('a stored certificate cannot be read; it is ordered again', { host, error: messageOf(e) }),
  )) {
    hosts.set(pair.host, { pair, failures: 0, ordering: false });
  }

  async function accountClient(acme: Acme): Promise<AcmeClient.Client> {
    if (client) return client;
    const keyPath = join(tlsDir(dataDir), 'account.key');
    let accountKey: string;
    if (existsSync(keyPath)) accountKey = readFileSync(keyPath, 'utf8');
    else {
      accountKey = (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
      writePrivateFile(keyPath, accountKey);
    }
    const c = new acme.Client({ directoryUrl: options.acme.directoryUrl, accountKey });
    await c.createAccount({ termsOfServiceAgreed: true, ...(options.acme.email ? { contact: [`mailto:${options.acme.email}`] } : {}) });
    client = c;
    return c;
  }

  async function order(host: string): Promise<CertificatePair> {
    const acme = await loadAcme(log, agent);
    const c = await accountClient(acme);
    const profile = options.acme.profile ? { profile: options.acme.profile } : {};
    const created = await c.createOrder({ identifiers: [{ type: 'dns', value: host }], ...profile });
    const opened: string[] = [];
    try {
      for (const authz of await c.getAuthorizations(created)) {
        if (authz.status === 'valid') continue;
        const challenge = authz.challenges.find((ch) => ch.type === 'http-01');
        if (!challenge) throw new Error(`the CA offers no http-01 challenge for ${host}`);
        challenges.set(challenge.token, await c.getChallengeKeyAuthorization(challenge));
        opened.push(challenge.token);
        await c.completeChallenge(challenge);
        await c.waitForValidStatus(challenge);
      }
      const [key, csr] = await acme.crypto.createCsr({ commonName: host, altNames: [host] }, await acme.crypto.createPrivateEcdsaKey('P-256'));
      const finalized = await c.finalizeOrder(created, csr);
      const cert = await c.getCertificate(finalized);
      return saveCertificate(dataDir, host, cert, key.toString());
    } finally {
      for (const token of opened) challenges.delete(token);
    }
  }

  function stateOf(host: string): HostState {
    let s = hosts.get(host);
    if (!s) {
      s = { failures: 0, ordering: false };
      hosts.set(host, s);
    }
    return s;
  }

  /** When this host next needs an order (ms since the epoch): now when it has no certificate, else its renewal or retry time. */
  function dueAt(s: HostState): number {
    if (s.nextAttemptAt !== undefined) return s.nextAttemptAt;
    if (!s.pair) return 0;
    return renewalTime(s.pair.notBefore, s.pair.notAfter).getTime();
  }

  async function orderOne(host: string, s: HostState): Promise<void> {
    s.ordering = true;
    const renewing = s.pair !== undefined;
    log.info(renewing ? 'renewing a certificate' : 'ordering a certificate', { host, ca: options.acme.directoryUrl });
    const started = now();
    try {
      const pair = await withTimeout(order(host), ORDER_TIMEOUT_MS, `the order for ${host} took longer than ${ORDER_TIMEOUT_MS / 1000} s`);
      if (!wanted.has(host)) {
        removeCertificate(dataDir, host);
        return;
      }
      s.pair = pair;
      delete s.context; // made again from the new pair at the next handshake
      s.failures = 0;
      delete s.error;
      delete s.nextAttemptAt;
      log.info(renewing ? 'certificate renewed' : 'certificate issued', { host, notAfter: pair.notAfter.toISOString(), seconds: (now() - started) / 1000 });
      listeners.notify();
    } catch (e) {
      s.failures += 1;
      s.error = (e instanceof TypeError ? await unreachableReason(options.acme.directoryUrl, agent) : undefined) ?? acmeErrorText(e);
      s.nextAttemptAt = now() + retryDelay(s.failures, options.acme.retryMs);
      log.warn('certificate order failed; plain HTTP keeps serving, and it is tried again', {
        host,
        error: s.error,
        failures: s.failures,
        nextAttemptAt: new Date(s.nextAttemptAt).toISOString(),
      });
    } finally {
      s.ordering = false;
      saveStatus();
    }
  }

  function saveStatus(): void {
    try {
      writeStatusFile(dataDir, listAll());
    } catch (e) {
      log.warn('could not write the certificate status file', { error: messageOf(e) });
    }
  }

  function listAll(): { host: string; status: CertificateState }[] {
    return [...wanted].sort().map((host) => ({ host, status: status(host) }));
  }

  async function pass(): Promise<void> {
    for (;;) {
      if (closed) return;
      const due = [...wanted].map((host) => ({ host, s: stateOf(host) })).filter(({ s }) => dueAt(s) <= now());
      if (due.length === 0) return;
      // Hosts with no certificate first, then the renewals closest to expiry.
      due.sort((a, b) => (a.s.pair ? a.s.pair.notAfter.getTime() : 0) - (b.s.pair ? b.s.pair.notAfter.getTime() : 0));
      await orderOne(due[0]!.host, due[0]!.s);
    }
  }

  function schedule(): void {
    if (closed) return;
    clearTimeout(timer);
    if (running) return; // the pass reschedules when it ends
    const next = Math.min(...[...wanted].map((h) => dueAt(stateOf(h))), now() + MAX_SLEEP_MS);
    timer = setTimeout(
      () => {
        running = pass()
          .catch((e: unknown) => log.error('certificate loop failed', { error: messageOf(e) }))
          .finally(() => {
            running = undefined;
            schedule();
          });
      },
      Math.max(0, next - now()),
    );
    timer.unref();
  }

  function status(host: string): CertificateState {
    const h = host.toLowerCase();
    if (!isCertifiableHost(h) || !wanted.has(h)) return { state: 'none' };
    const s = stateOf(h);
    const live = s.pair !== undefined && s.pair.notAfter.getTime() > now();
    const notAfter = s.pair ? { notAfter: s.pair.notAfter.toISOString() } : {};
    if (s.error !== undefined)
      return {
        // A renewal that failed leaves the certificate in service until it ends.
        state: live ? 'valid' : 'failed',
        ...notAfter,
        error: s.error,
        ...(s.nextAttemptAt ? { nextAttemptAt: new Date(s.nextAttemptAt).toISOString() } : {}),
      };
    return live ? { state: 'valid', ...notAfter } : { state: 'pending' };
  }

  return {
    contextFor(host) {
      const h = host.toLowerCase();
      const s = wanted.has(h) ? hosts.get(h) : undefined;
      // Made at a host's first handshake, not for every stored certificate at each start (the CLI never needs one).
      if (s?.pair && !s.context) s.context = createSecureContext({ cert: s.pair.cert, key: s.pair.key });
      return s?.context;
    },
    challengeAnswer: (token) => challenges.get(token),
    status,
    want(list) {
      const next = new Set(list.map((h) => h.toLowerCase()).filter(isCertifiableHost));
      let removed = false;
      for (const [host, s] of hosts) {
        if (next.has(host) || s.ordering) continue;
        // No longer served (an app or a custom domain removed, also while Slipway was stopped): its certificate goes.
        hosts.delete(host);
        if (s.pair) {
          removeCertificate(dataDir, host);
          log.info('certificate removed: its host is no longer served', { host });
          removed = true;
        }
      }
      const different = next.size !== wanted.size || [...next].some((h) => !wanted.has(h));
      wanted = next;
      if (removed) listeners.notify();
      if (!different) return;
      saveStatus();
      schedule();
    },
    pemFor(host) {
      const s = hosts.get(host.toLowerCase());
      return wanted.has(host.toLowerCase()) && s?.pair && s.pair.notAfter.getTime() > now() ? { cert: s.pair.cert, key: s.pair.key } : undefined;
    },
    onChange: listeners.add,
    list: listAll,
    async close() {
      closed = true;
      clearTimeout(timer);
      // An order in flight is not waited for long: it is done again at the next start if need be.
      await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    },
  };
}

/** The CA's problem detail when it sent one, else the error's message; never more than a line. */
function acmeErrorText(e: unknown): string {
  const text = messageOf(e).replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}
