// Certificates on disk: DATA_DIR/tls/certs/HOST.pem (the chain) and HOST.key, the ACME account key beside them.
// Written whole (a temporary file renamed over the old one) and readable by Slipway's user only (0600).
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCertifiableHost } from '../domain/certificate-renewal.js';
import type { CertificateState } from '../domain/certificate-state.js';

export interface CertificatePair {
  readonly host: string;
  /** PEM: the certificate, then its chain. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export function tlsDir(dataDir: string): string {
  return join(dataDir, 'tls');
}

function certsDir(dataDir: string): string {
  return join(tlsDir(dataDir), 'certs');
}

/** Writes a file 0600, whole or not at all. */
export function writePrivateFile(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, path);
}

/** The dates of a PEM certificate (its first, the leaf); throws when it is not one. */
function certificateDates(certPem: string): { notBefore: Date; notAfter: Date } {
  const x509 = new X509Certificate(certPem);
  return { notBefore: new Date(x509.validFrom), notAfter: new Date(x509.validTo) };
}

export function saveCertificate(dataDir: string, host: string, cert: string, key: string): CertificatePair {
  if (!isCertifiableHost(host)) throw new Error(`not a host name: ${host}`);
  const dir = certsDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { notBefore, notAfter } = certificateDates(cert);
  // The key first: a chain on disk always has its key.
  writePrivateFile(join(dir, `${host}.key`), key);
  writePrivateFile(join(dir, `${host}.pem`), cert);
  return { host, cert, key, notBefore, notAfter };
}

export function removeCertificate(dataDir: string, host: string): void {
  if (!isCertifiableHost(host)) return;
  rmSync(join(certsDir(dataDir), `${host}.pem`), { force: true });
  rmSync(join(certsDir(dataDir), `${host}.key`), { force: true });
}

/** Every stored certificate that can be read; a damaged one is left out (and ordered again). */
export function loadCertificates(dataDir: string, onDamaged: (host: string, error: unknown) => void): CertificatePair[] {
  let names: string[];
  try {
    names = readdirSync(certsDir(dataDir));
  } catch {
    return [];
  }
  const out: CertificatePair[] = [];
  for (const name of names) {
    if (!name.endsWith('.pem')) continue;
    const host = name.slice(0, -'.pem'.length);
    if (!isCertifiableHost(host)) continue;
    try {
      const cert = readFileSync(join(certsDir(dataDir), name), 'utf8');
      const key = readFileSync(join(certsDir(dataDir), `${host}.key`), 'utf8');
      const { notBefore, notAfter } = certificateDates(cert);
      out.push({ host, cert, key, notBefore, notAfter });
    } catch (e) {
      onDamaged(host, e);
    }
  }
  return out;
}

/** What the server last knew of each host's certificate, for `slipway doctor` (another process). */
export function writeStatusFile(dataDir: string, hosts: readonly { host: string; status: CertificateState }[]): void {
  mkdirSync(tlsDir(dataDir), { recursive: true, mode: 0o700 });
  writePrivateFile(join(tlsDir(dataDir), 'status.json'), `${JSON.stringify({ at: new Date().toISOString(), hosts }, null, 2)}\n`);
}

export function readStatusFile(dataDir: string): { at: string; hosts: { host: string; status: CertificateState }[] } | undefined {
  try {
    return JSON.parse(readFileSync(join(tlsDir(dataDir), 'status.json'), 'utf8')) as { at: string; hosts: { host: string; status: CertificateState }[] };
  } catch {
    return undefined;
  }
}
