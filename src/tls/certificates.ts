// What the servers need of TLS certificates, whoever provides them (an ACME CA, or files an operator keeps).
import type { SecureContext } from 'node:tls';
import type { CertificateState } from '../domain/certificate-state.js';
import { messageOf } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';

export interface Certificates {
  /** The TLS context for an SNI name, or undefined when no certificate covers it. */
  contextFor(host: string): SecureContext | undefined;
  /** The key authorization for an ACME HTTP-01 token while its challenge is open. */
  challengeAnswer(token: string): string | undefined;
  status(host: string): CertificateState;
  /** The hosts Slipway serves now (UI, environments, custom domains); certificates follow this list. */
  want(hosts: readonly string[]): void;
  /** The PEM certificate and key serving a host now, for an ingress that terminates TLS in Slipway's place. */
  pemFor(host: string): { cert: string; key: string } | undefined;
  /** Called after a certificate is issued, renewed, replaced or removed; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
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
  pemFor: () => undefined,
  onChange: () => () => undefined,
  list: () => [],
  close: async () => undefined,
};

/** The listeners of `onChange`: one that throws is logged, and the others still hear of the change. */
export function changeListeners(log: Logger): { add(listener: () => void): () => void; notify(): void } {
  const listeners = new Set<() => void>();
  return {
    add(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notify() {
      for (const listener of listeners) {
        try {
          listener();
        } catch (e) {
          log.warn('a listener of certificate changes failed', { error: messageOf(e) });
        }
      }
    },
  };
}
