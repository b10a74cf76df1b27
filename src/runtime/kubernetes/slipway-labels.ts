// Label and annotation keys on everything Slipway creates in a cluster; the templates in
// k8s/templates/ use the same keys, and selectors are built from these.
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  app: 'slipway.dev/app',
  /** On an app's namespace: which Slipway installation owns it (check-namespace-owner.ts). */
  installation: 'slipway.dev/installation',
  environment: 'slipway.dev/environment',
  commit: 'slipway.dev/commit',
  /** What a ConfigMap or Secret holds for its environment: `env` or `secrets`. */
  holds: 'slipway.dev/holds',
  /** On a TLS Secret the certificate manager wrote: `true` (its host is in the annotation `slipway.dev/host`). */
  tls: 'slipway.dev/tls',
} as const;

export const ANNOTATIONS = {
  deploymentId: 'slipway.dev/deployment-id',
  /** On a Job started by `runJob`: it was run by hand, not by the schedule. */
  runBy: 'slipway.dev/run-by',
} as const;

export const MANAGED_BY = 'slipway';

export function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
