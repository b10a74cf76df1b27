// Errors from the Kubernetes API, with the Status reason the apiserver gave ('NotFound', 'Forbidden', …).
import { SlipwayError } from '../../shared/errors.js';

export class KubernetesError extends SlipwayError {
  /** HTTP status of the apiserver's answer; 0 when it could not be reached. */
  readonly statusCode: number;
  /** `Status.reason` from the answer ('NotFound', 'AlreadyExists', 'Forbidden', 'Invalid', …), or 'Unreachable'. */
  readonly reason: string;

  constructor(message: string, statusCode: number, reason: string, options: { cause?: unknown } = {}) {
    // An unreachable or overloaded apiserver is retried by the reconciler; a refusal needs a person.
    const transient = statusCode === 0 || statusCode === 429 || statusCode >= 500;
    super(statusCode === 0 ? 'KUBERNETES_UNREACHABLE' : 'KUBERNETES', message, { ...options, needsPerson: !transient });
    this.statusCode = statusCode;
    this.reason = reason;
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof KubernetesError && e.statusCode === 404;
}

export function isForbidden(e: unknown): boolean {
  return e instanceof KubernetesError && e.statusCode === 403;
}

export function isGone(e: unknown): boolean {
  return e instanceof KubernetesError && e.statusCode === 410;
}
