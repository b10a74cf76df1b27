// Each app lives in its own namespace `app-APP`. The prefix is fixed: the builder's RBAC and its
// ValidatingAdmissionPolicy in k8s/bootstrap/ allow exactly `app-*`, so it cannot be a setting.
export const APP_NAMESPACE_PREFIX = 'app-';

export function appNamespace(app: string): string {
  return `${APP_NAMESPACE_PREFIX}${app}`;
}

/** The app a namespace belongs to, or null for any other namespace. */
export function appOfNamespace(namespace: string): string | null {
  return namespace.startsWith(APP_NAMESPACE_PREFIX) && namespace.length > APP_NAMESPACE_PREFIX.length ? namespace.slice(APP_NAMESPACE_PREFIX.length) : null;
}
