// The objects every app has once, whatever its environments: namespace, quota, limits, network
// policy and the builder's RoleBinding (rendered from k8s/templates/).
import type { KubeObject } from './kube-api.js';
import { appNamespace } from './app-namespace.js';
import { containerLimits, type AppQuota } from './app-quota.js';
import type { Templates } from './load-templates.js';

export interface BuilderIdentity {
  /** The builder's ServiceAccount, which gets `role` inside each app namespace. */
  readonly namespace: string;
  readonly name: string;
  /** ClusterRole bound in app namespaces (k8s/bootstrap/builder-rbac.yaml). */
  readonly role: string;
}

/** In apply order: the namespace first, and the RoleBinding before anything the builder needs it for. */
export function appManifests(templates: Templates, app: string, o: { quota: AppQuota; builder: BuilderIdentity; installation: string }): KubeObject[] {
  const values = {
    app,
    namespace: appNamespace(app),
    installation: o.installation,
    quota: { ...o.quota, pods: String(o.quota.pods) },
    limits: containerLimits(o.quota),
    builder: { namespace: o.builder.namespace, name: o.builder.name },
    builderRole: o.builder.role,
  };
  return (['namespace', 'role-binding', 'resource-quota', 'limit-range', 'network-policy'] as const).map((name) => templates.render(name, values));
}
