// What the servers need of TLS certificates, whoever provides them (an ACME CA, or files an operator keeps).
import type { SecureContext } from 'node:tls';
import type { CertificateState } from '../domain/certificate-state.js';

export interface Certificates {
  /** The TLS context for an SNI name, or undefined when no certificate covers it. */
  contextFor(host: string): SecureContext | undefined;
  /** The key authorization for an ACME HTTP-01 token while its challenge is open. */
  challengeAnswer(token: string): string | undefined;
  status(host: string): CertificateState;
  /** The hosts Slipway serves now (UI, environments, custom domains); certificates follow this list. */
  want(hosts: readonly string[]): void;
  /** Every host asked for or held, with its status (for the checks and the about page). */
  list(): { host: string; status: CertificateState }[];
  close(): Promise<void>;
}

/** With HTTPS off: nothing is served over TLS. */
export const noCertificates: Certificates = {
  contextFor: () => undefined,
  challengeAnswer: () => undefined,
  status: () => ({ state: 'off' }),
  want: () => undefined,
  list: () => [],
  close: async () => undefined,
};
