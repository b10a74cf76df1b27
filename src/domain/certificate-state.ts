// What the UI and API show of a host's TLS certificate. Obtaining certificates is the certificate manager's work;
// this is only the shape it reports in, and `off` (no certificate manager) is what an installation without one says.

export type CertificateStatus = 'off' | 'none' | 'pending' | 'valid' | 'failed';

export interface CertificateState {
  /** off: certificates are not managed here; none: not asked for yet; pending: being obtained; valid; failed. */
  state: CertificateStatus;
  /** ISO time the certificate expires (valid, or failed while an older certificate still serves). */
  notAfter?: string;
  /** Why the last attempt failed (failed). */
  error?: string;
  /** ISO time of the next attempt (pending, failed). */
  nextAttemptAt?: string;
}

export const CERTIFICATES_OFF: CertificateState = Object.freeze({ state: 'off' });
