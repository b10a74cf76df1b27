// What the servers need of TLS certificates, whoever provides them (an ACME CA, or files an operator keeps).
import type { SecureContext } from 'node:tls';

/** A host's certificate as the UI and `slipway doctor` show it. */
export interface CertificateStatus {
  /**
   * `off`: Slipway serves no TLS; `none`: not asked for (an address, localhost, or a host not served);
   * `pending`: being ordered; `valid`: served; `failed`: the last order failed (retried at `nextAttemptAt`).
   */
  readonly state: 'off' | 'none' | 'pending' | 'valid' | 'failed';
  readonly notAfter?: string;
  readonly error?: string;
  readonly nextAttemptAt?: string;
}

export interface Certificates {
  /** The TLS context for an SNI name, or undefined when no certificate covers it. */
  contextFor(host: string): SecureContext | undefined;
  /** The key authorization for an ACME HTTP-01 token while its challenge is open. */
  challengeAnswer(token: string): string | undefined;
  status(host: string): CertificateStatus;
  /** The hosts Slipway serves now (UI, environments, custom domains); certificates follow this list. */
  want(hosts: readonly string[]): void;
  /** Every host asked for or held, with its status (for the checks and the about page). */
  list(): { host: string; status: CertificateStatus }[];
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
