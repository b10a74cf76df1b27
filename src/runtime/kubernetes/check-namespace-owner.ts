// An app's namespace `app-APP` is Slipway's only if this installation made it: one that another installation
// labelled, or that Slipway never made, is refused and never adopted (applying over it would take another
// installation's app, or someone's hand-made namespace, as this one's).
import { isNotFound, KubernetesError } from './kubernetes-error.js';
import type { KubeApi, KubeObject } from './kube-api.js';
import { LABELS, MANAGED_BY } from './slipway-labels.js';

/** Throws when `namespace` exists and is not this installation's namespace of `app`; otherwise says what it found. */
export async function checkNamespaceOwner(api: KubeApi, namespace: string, app: string, installation: string): Promise<'missing' | 'ours' | 'terminating'> {
  let found: KubeObject;
  try {
    found = await api.get<KubeObject>(`/api/v1/namespaces/${namespace}`);
  } catch (e) {
    if (isNotFound(e)) return 'missing';
    throw e;
  }
  const labels = found.metadata.labels ?? {};
  const owner = labels[LABELS.installation];
  if (labels[LABELS.managedBy] !== MANAGED_BY || labels[LABELS.app] !== app)
    throw taken(namespace, `it was not made by Slipway for app ${app} (it lacks the labels ${LABELS.managedBy}=${MANAGED_BY}, ${LABELS.app}=${app})`);
  // Without the label: made by a Slipway from before installations were labelled, which is this one's to keep.
  if (owner !== undefined && owner !== installation)
    throw taken(namespace, `it belongs to another Slipway installation (${LABELS.installation}=${owner}, this one is ${installation})`);
  return found.metadata.deletionTimestamp ? 'terminating' : 'ours';
}

function taken(namespace: string, why: string): KubernetesError {
  return new KubernetesError(
    `namespace ${namespace} cannot be used: ${why}. Delete the namespace or the other installation's app of that name, or give this app another name`,
    409,
    'Conflict',
  );
}
