// SLIPWAY_HTTPS=manual: one certificate an operator keeps in PEM files (often a wildcard covering the app hosts).
// Read at start (a bad pair stops start-up with the reason) and again when the files change, so a renewed
// certificate is served without a restart.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { ConfigError, messageOf } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { CertificateState } from '../domain/certificate-state.js';
import { changeListeners, type Certificates } from './certificates.js';

const RELOAD_CHECK_MS = 5_000;

interface Loaded {
  cert: string;
  key: string;
  x509: X509Certificate;
  context: SecureContext;
  stamp: string;
}

function stampOf(certFile: string, keyFile: string): string {
  const c = statSync(certFile);
  const k = statSync(keyFile);
  return `${c.mtimeMs}:${c.size}:${k.mtimeMs}:${k.size}`;
}

function load(certFile: string, keyFile: string): Loaded {
  const stamp = stampOf(certFile, keyFile);
  const cert = readFileSync(certFile, 'utf8');
  const key = readFileSync(keyFile, 'utf8');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new ConfigError(`SLIPWAY_TLS_CERT_FILE=${certFile}: not a PEM certificate (${messageOf(e)})`);
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error('the key is not the certificate’s');
  } catch (e) {
    throw new ConfigError(`SLIPWAY_TLS_KEY_FILE=${keyFile}: ${messageOf(e)}`);
  }
  return { cert, key, x509, context: createSecureContext({ cert, key }), stamp };
}

export function createManualCertificate(o: {
  certFile: string;
  keyFile: string;
  log: Logger;
}): Certificates & { readonly defaultContext: () => SecureContext } {
  let current = load(o.certFile, o.keyFile);
  const listeners = changeListeners(o.log);
  const timer = setInterval(() => {
    try {
      if (stampOf(o.certFile, o.keyFile) === current.stamp) return;
      current = load(o.certFile, o.keyFile);
      o.log.info('the TLS certificate files changed; serving the new certificate', { notAfter: new Date(current.x509.validTo).toISOString() });
    } catch (e) {
      o.log.warn('the TLS certificate files changed but cannot be used; still serving the previous certificate', { error: messageOf(e) });
      return;
    }
    listeners.notify();
  }, RELOAD_CHECK_MS);
  timer.unref();

  const covers = (host: string): boolean => current.x509.checkHost(host.toLowerCase()) !== undefined;
  const status = (host: string): CertificateState =>
    !covers(host)
      ? { state: 'none' }
      : new Date(current.x509.validTo) > new Date()
        ? { state: 'valid', notAfter: new Date(current.x509.validTo).toISOString() }
        : { state: 'failed', notAfter: new Date(current.x509.validTo).toISOString(), error: `the certificate in ${o.certFile} has expired` };
  let wanted: string[] = [];
  return {
    contextFor: (host) => (covers(host) ? current.context : undefined),
    defaultContext: () => current.context,
    challengeAnswer: () => undefined,
    status,
    want(hosts) {
      wanted = [...hosts];
    },
    pemFor: (host) => (covers(host) ? { cert: current.cert, key: current.key } : undefined),
    onChange: listeners.add,
    list: () => wanted.map((host) => ({ host, status: status(host) })),
    async close() {
      clearInterval(timer);
    },
  };
}
