// The Kubernetes runtime: one namespace per app, a Deployment + Service + Ingress per environment
// (a CronJob for scheduled jobs), applied with server-side apply from k8s/templates/.
//
// deploy, top to bottom: app objects (namespace, quota, policies; re-applied every time, so a hand
// edit is put back) → the environment's objects → wait for the rollout with a watch → on failure,
// say why (condition, pod states, events, log tail) and put back what served before.
import { newPodsHopeless, readHealth } from './read-health.js';
import { readUsage } from './read-usage.js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { EnvironmentDef } from '../../domain/types.js';
import { messageOf, NotFoundError, SlipwayError } from '../../shared/errors.js';
import type { DeployResult, DeploySpec, HostCertificate, Instance, JobRun, OnLine, Runtime } from '../runtime.js';
import { appManifests, type BuilderIdentity } from './app-manifests.js';
import { APP_NAMESPACE_PREFIX, appNamespace } from './app-namespace.js';
import { checkNamespaceOwner } from './check-namespace-owner.js';
import { checkQuotaFits, DEFAULT_APP_QUOTA, podResources, type AppQuota } from './app-quota.js';
import { parseCpu, parseMemory } from './quantity.js';
import { explainQuotaRoom, type QuotaStatus } from './quota-room.js';
import { deleteNamespace } from './delete-namespace.js';
import { diagnoseRollout } from './diagnose-rollout.js';
import { environmentManifests, type EnvironmentOptions } from './environment-manifests.js';
import { createKubeApi, type KubeApi, type KubeObject } from './kube-api.js';
import { isForbidden, isNotFound, KubernetesError } from './kubernetes-error.js';
import { loadTemplates } from './load-templates.js';
import type { PodState } from './pod-state.js';
import { pruneConfig } from './prune-config.js';
import { readInstances, type DeploymentObject } from './read-instances.js';
import { rollBackDeployment } from './roll-back-deployment.js';
import { runJobOnce } from './run-job.js';
import { LABELS, MANAGED_BY, selector } from './slipway-labels.js';
import { podLogTail, streamManyPodLogs } from './stream-pod-logs.js';
import { challengeIngress, tlsIngressName, tlsManifests, type ChallengeService } from './tls-manifests.js';
import { waitForRollout } from './wait-for-rollout.js';

export interface KubernetesRuntimeOptions {
  /** Loaded by the caller: `loadFromDefault()` (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeConfig: KubeConfig;
  /** `k8s/templates` of the Slipway install. */
  templatesDir: string;
  /** Hosts are `{app}-preview.{domain}`…; on k3s usually `nipIoDomain(publicIp)`. */
  domain: string;
  /** Checked against the quota at start-up. */
  environments: readonly EnvironmentDef[];
  /**
   * Which Slipway installation this is: the label on each app namespace it makes. A namespace `app-APP` with
   * another installation's label, or without Slipway's labels, is refused, never adopted.
   */
  installation: string;
  /** The builder's ServiceAccount, bound to `role` in every app namespace. */
  builder?: Partial<BuilderIdentity>;
  /** When set, images must come from this registry (the one the cluster's nodes pull from). */
  registry?: string;
  ingressClassName?: string;
  /** App pods run only on nodes with these labels, and tolerate `NoSchedule` taints of the same key and value. */
  nodeSelector?: Readonly<Record<string, string>>;
  quota?: AppQuota;
  rolloutMarginSeconds?: number;
  jobDeadlineSeconds?: number;
  namespaceDeleteTimeoutSeconds?: number;
  /**
   * The Service in front of Slipway that answers ACME HTTP-01 challenges coming through the cluster's ingress.
   * Default: the builder's (its ServiceAccount's namespace and name, port `http`), as k8s/bootstrap/ makes it.
   */
  challengeService?: ChallengeService;
}

export const DEFAULT_BUILDER: BuilderIdentity = Object.freeze({ namespace: 'slipway-system', name: 'slipway-builder', role: 'slipway-app' });

export function createKubernetesRuntime(options: KubernetesRuntimeOptions): Runtime {
  const quota = options.quota ?? DEFAULT_APP_QUOTA;
  checkQuotaFits(options.environments, quota);
  const templates = loadTemplates(options.templatesDir);
  const api: KubeApi = createKubeApi(options.kubeConfig);
  const builder: BuilderIdentity = { ...DEFAULT_BUILDER, ...options.builder };
  const envOptions: EnvironmentOptions = {
    domain: options.domain,
    ingressClassName: options.ingressClassName ?? 'traefik',
    nodeSelector: options.nodeSelector ?? {},
    rolloutMarginSeconds: options.rolloutMarginSeconds ?? 120,
    jobDeadlineSeconds: options.jobDeadlineSeconds ?? 3600,
  };
  const challengeService: ChallengeService = options.challengeService ?? { namespace: builder.namespace, name: builder.name, port: 'http' };
  const managed = selector({ [LABELS.managedBy]: MANAGED_BY });

  /**
   * An immutable ConfigMap or Secret is named after its content, so one that exists already holds exactly what was
   * rendered. It is never applied again: the apiserver stores an empty `data` as no data at all, so a second
   * server-side apply of the same manifest reads as a change to an immutable field (422) — every app without
   * secrets could be deployed once and never again.
   */
  async function existsAlready(object: KubeObject): Promise<boolean> {
    if ((object as { immutable?: unknown }).immutable !== true) return false;
    try {
      await api.get(await api.pathOf(object));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async function applyAll(objects: readonly KubeObject[]): Promise<void> {
    for (const object of objects) {
      if (await existsAlready(object)) continue;
      // Right after the RoleBinding is created, the apiserver's RBAC cache may not know it yet
      // (it is filled by a watch): a builder using its ServiceAccount sees 403 for a moment.
      const until = Date.now() + 5000;
      for (;;) {
        try {
          await api.apply(object);
          break;
        } catch (e) {
          if (!isForbidden(e) || Date.now() > until) throw e;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
  }

  /** The app's namespace, quota and policies (re-applied every time, so a hand edit is put back). */
  async function ensureApp(app: string): Promise<void> {
    const namespace = appNamespace(app);
    // Applying into a terminating namespace fails with a 403 that reads like a permission problem: say what it is.
    if ((await checkNamespaceOwner(api, namespace, app, options.installation)) === 'terminating')
      throw new SlipwayError('KUBERNETES', `namespace ${namespace} is still being deleted; the app is deployed again once it is gone`, { needsPerson: false });
    await applyAll(appManifests(templates, app, { quota, builder, installation: options.installation }));
  }

  function refuse(spec: DeploySpec): string | null {
    if (options.registry && !spec.image.startsWith(`${options.registry}/`)) {
      return `image ${spec.image} is not in the registry ${options.registry}, the only one the cluster pulls from`;
    }
    if (spec.settings.kind === 'job' && !spec.settings.schedule) return 'a scheduled job needs a schedule in slipway.yaml';
    return null;
  }

  /** Applies the environment's objects; a refusal of their content (400, 422) is the deploy's failure, not the platform's. */
  async function applyEnvironment(objects: readonly KubeObject[]): Promise<string | null> {
    try {
      await applyAll(objects);
      return null;
    } catch (e) {
      if (e instanceof KubernetesError && (e.statusCode === 400 || e.statusCode === 422)) return e.message;
      throw e;
    }
  }

  /** Deletes what is at each path; one already gone is fine. */
  async function deleteAll(paths: readonly string[]): Promise<void> {
    for (const path of paths) {
      try {
        await api.delete(path, { propagationPolicy: 'Background' });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }

  /** An environment that changed between web app and scheduled job keeps none of the other kind's objects. */
  async function removeOtherKind(namespace: string, name: string, kind: 'web' | 'job'): Promise<void> {
    const ingresses = `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`;
    await deleteAll(
      kind === 'job'
        ? [
            `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
            `/api/v1/namespaces/${namespace}/services/${name}`,
            `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets/${name}`,
            `${ingresses}/${name}`,
            `${ingresses}/${tlsIngressName(name)}`,
          ]
        : [`/apis/batch/v1/namespaces/${namespace}/cronjobs/${name}`],
    );
  }

  async function applyCertificates(app: string, environment: string, certificates: readonly HostCertificate[]): Promise<boolean> {
    const namespace = appNamespace(app);
    // Only into a namespace of this installation that exists: the first deploy makes it, and the caller comes back.
    if ((await checkNamespaceOwner(api, namespace, app, options.installation)) !== 'ours') return false;
    // A web environment has its Service; one that has none (not deployed yet, or a scheduled job) gets no HTTPS
    // Ingress, and what it had of TLS goes.
    let web = true;
    try {
      await api.get(`/api/v1/namespaces/${namespace}/services/${environment}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      web = false;
    }
    const m = tlsManifests(templates, { app, environment, ingressClassName: envOptions.ingressClassName, certificates: web ? certificates : [] });
    // The Secrets before the Ingress that names them; the ones of hosts left out after it no longer does.
    for (const secret of m.secrets) await api.apply(secret);
    if (m.ingress) await api.apply(m.ingress);
    else await deleteAll([`/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses/${m.ingressName}`]);
    const keep = new Set(m.secrets.map((o) => o.metadata.name));
    const held = await api.list<KubeObject>(`/api/v1/namespaces/${namespace}/secrets`, {
      labelSelector: selector({ [LABELS.app]: app, [LABELS.environment]: environment, [LABELS.tls]: 'true' }),
    });
    await deleteAll(held.items.filter((o) => !keep.has(o.metadata.name)).map((o) => `/api/v1/namespaces/${namespace}/secrets/${o.metadata.name}`));
    return web;
  }

  async function routeAcmeChallenges(hosts: readonly string[]): Promise<void> {
    const object = challengeIngress(templates, {
      installation: options.installation,
      service: challengeService,
      ingressClassName: envOptions.ingressClassName,
      hosts,
    });
    if (hosts.length > 0) await api.apply(object);
    else await deleteAll([await api.pathOf(object)]);
  }

  /**
   * A branch preview goes into the app's namespace only while the quota has room for it and, besides, for one
   * rolling-update pod of the largest environment (so preview and production can still roll). Null when it fits.
   */
  async function branchQuotaFull(spec: DeploySpec): Promise<string | null> {
    const namespace = appNamespace(spec.app);
    const quota = await api.get<KubeObject & { status?: QuotaStatus }>(`/api/v1/namespaces/${namespace}/resourcequotas/app-quota`);
    let exists = true;
    try {
      await api.get(`/apis/apps/v1/namespaces/${namespace}/deployments/${spec.environment.name}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      exists = false;
    }
    // A branch preview that runs already has its pods counted: an update needs only the rolling pod.
    const pods = exists ? 0 : Math.max(1, spec.environment.replicas);
    const largest = [...options.environments, spec.environment]
      .map((e) => podResources(e))
      .sort((a, b) => parseCpu(b.limits.cpu) - parseCpu(a.limits.cpu) || parseMemory(b.limits.memory) - parseMemory(a.limits.memory))[0]!;
    const short = explainQuotaRoom(quota.status, pods, podResources(spec.environment), largest);
    if (!short) return null;
    return (
      `the app's Kubernetes quota is full (ResourceQuota app-quota in ${namespace}): ${spec.environment.title} needs ${short}, ` +
      'keeping room for one rolling update. Delete another branch preview (git push origin --delete BRANCH) and push again, or raise the app quota'
    );
  }

  async function deploy(spec: DeploySpec, onLine: OnLine, signal?: AbortSignal): Promise<DeployResult> {
    const refused = refuse(spec);
    if (refused) return { ok: false, reason: refused, logTail: '' };
    const name = spec.environment.name;
    onLine(`kubernetes: applying app ${spec.app} (namespace ${appNamespace(spec.app)})`);
    await ensureApp(spec.app);
    const full = spec.environment.branch ? await branchQuotaFull(spec) : null;
    if (full) return { ok: false, reason: full, logTail: '' };
    const m = environmentManifests(templates, spec, envOptions);
    onLine(`kubernetes: applying ${m.objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
    const invalid = await applyEnvironment(m.objects);
    if (invalid) return { ok: false, reason: invalid, logTail: '' };
    const instance = (state: Instance['state']): Instance => ({
      app: spec.app,
      environment: name,
      commit: spec.commit,
      image: spec.image,
      state,
      since: new Date().toISOString(),
      deploymentId: spec.deploymentId,
    });
    await removeOtherKind(m.namespace, name, spec.settings.kind);
    if (spec.settings.kind === 'job') {
      await pruneConfig(api, m.namespace, spec.app, name);
      onLine(`kubernetes: CronJob ${m.namespace}/${name} runs on "${spec.settings.schedule ?? ''}" (UTC)`);
      return { ok: true, instance: instance('live') };
    }
    const deadline = Number((m.workload['spec'] as { progressDeadlineSeconds: number }).progressDeadlineSeconds);
    // A new pod that the kubelet restarted and that is still not ready has used up its health check (the startup
    // probe's allowance) or crashed: no need to wait for the progress deadline.
    const giveUp = () => newPodsHopeless(api, m.namespace, { [LABELS.app]: spec.app, [LABELS.environment]: name, [LABELS.commit]: spec.commit });
    const { status, deployment } = await waitForRollout(api, m.namespace, name, { onLine, timeoutSeconds: deadline + 30, signal, giveUp });
    signal?.throwIfAborted();
    if (status.state === 'complete') {
      await pruneConfig(api, m.namespace, spec.app, name);
      return { ok: true, instance: instance('live') };
    }
    const failure = status.state === 'failed' ? status : { reason: 'Unknown', message: status.message };
    const diagnosis = await diagnoseRollout(api, m.namespace, deployment, `${failure.reason}: ${failure.message}`);
    for (const line of diagnosis.details) onLine(`  ${line}`);
    const logs = await Promise.all(diagnosis.pods.slice(0, 2).map((pod) => podLogTail(api, m.namespace, pod, 30)));
    const current = await api.get<DeploymentObject>(`/apis/apps/v1/namespaces/${m.namespace}/deployments/${name}`);
    const undo = await rollBackDeployment(api, m.workload, current);
    if (undo.action === 'rolled-back') {
      onLine(`kubernetes: rolled ${name} back to ${undo.commit.slice(0, 12)}, which keeps serving`);
      const back = await waitForRollout(api, m.namespace, name, { onLine, timeoutSeconds: deadline + 30, signal, ignoreDeadlineExceeded: true });
      if (back.status.state !== 'complete') onLine(`kubernetes: the rollback of ${name} did not complete either: ${back.status.message}`);
    } else {
      onLine(`kubernetes: removed the Deployment ${name}: nothing served before`);
    }
    return { ok: false, reason: diagnosis.reason, logTail: [...diagnosis.details, ...logs].join('\n') };
  }

  /** This installation's app namespaces (and unlabelled ones from before installations were labelled). */
  async function appNamespaces(): Promise<string[]> {
    const list = await api.list<KubeObject>('/api/v1/namespaces', { labelSelector: managed });
    return list.items
      .filter((n) => (n.metadata.labels?.[LABELS.installation] ?? options.installation) === options.installation)
      .map((n) => n.metadata.name)
      .filter((n) => n.startsWith(APP_NAMESPACE_PREFIX));
  }

  async function logs(app: string, environment: string, o: { tail: number; follow: boolean }, signal?: AbortSignal): Promise<AsyncIterable<string>> {
    const namespace = appNamespace(app);
    await checkNamespaceOwner(api, namespace, app, options.installation);
    const pods = await api.list<PodState>(`/api/v1/namespaces/${namespace}/pods`, {
      labelSelector: selector({ [LABELS.app]: app, [LABELS.environment]: environment }),
    });
    const alive = pods.items.filter((p) => !p.metadata.deletionTimestamp && ['Running', 'Succeeded', 'Failed'].includes(p.status?.phase ?? ''));
    // Web apps: every running pod. Jobs: the latest run.
    const chosen = alive.some((p) => p.status?.phase === 'Running')
      ? alive.filter((p) => p.status?.phase === 'Running')
      : alive.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '')).slice(-1);
    if (chosen.length === 0) throw new NotFoundError(`no pod of ${app} ${environment} has a log (namespace ${namespace})`);
    return streamManyPodLogs(
      api,
      namespace,
      chosen.map((p) => p.metadata.name),
      o,
      signal,
    );
  }

  return {
    kind: 'kubernetes',
    async ping() {
      try {
        await api.get('/version');
      } catch (e) {
        throw new KubernetesError(`Kubernetes is not reachable at ${api.server}: ${messageOf(e)}`, 0, 'Unreachable', { cause: e });
      }
    },
    deploy,
    applyCertificates,
    routeAcmeChallenges,
    async current(app) {
      // Another installation's app of the same name is not this one's, not even to read.
      if ((await checkNamespaceOwner(api, appNamespace(app), app, options.installation)) === 'missing') return [];
      return (await readInstances(api, appNamespace(app))).filter((i) => i.state === 'live');
    },
    async health(app) {
      if ((await checkNamespaceOwner(api, appNamespace(app), app, options.installation)) === 'missing') return [];
      return readHealth(api, appNamespace(app));
    },
    usage: async () => readUsage(api, await appNamespaces()),
    async removeStale(isActive) {
      let removed = 0;
      for (const ns of await appNamespaces()) {
        const deployments = await api.list<DeploymentObject & KubeObject>(`/apis/apps/v1/namespaces/${ns}/deployments`, { labelSelector: managed });
        const instances = await readInstances(api, ns);
        for (const i of instances) {
          if (i.state === 'live' || i.state === 'stopped' || !i.deploymentId || isActive(i.deploymentId)) continue;
          const d = deployments.items.find((x) => (x.metadata.labels?.[LABELS.environment] ?? x.metadata.name) === i.environment);
          if (!d) continue;
          // Only the fields Slipway applies: the read object also carries status and managedFields.
          const applied: KubeObject = {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: d.metadata.name, namespace: ns, labels: d.metadata.labels ?? {}, annotations: d.metadata.annotations ?? {} },
            spec: d.spec,
          };
          await rollBackDeployment(api, applied, d);
          removed += 1;
        }
      }
      return removed;
    },
    async removeApp(app) {
      await checkNamespaceOwner(api, appNamespace(app), app, options.installation);
      await deleteNamespace(api, appNamespace(app), options.namespaceDeleteTimeoutSeconds ?? 300);
    },
    async removeEnvironment(app, environment) {
      const namespace = appNamespace(app);
      if ((await checkNamespaceOwner(api, namespace, app, options.installation)) !== 'ours') return;
      const ingresses = `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`;
      // The Ingresses first, so its hosts stop routing before its pods go.
      await deleteAll([
        `${ingresses}/${environment}`,
        `${ingresses}/${tlsIngressName(environment)}`,
        `/apis/apps/v1/namespaces/${namespace}/deployments/${environment}`,
        `/api/v1/namespaces/${namespace}/services/${environment}`,
        `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets/${environment}`,
        `/apis/batch/v1/namespaces/${namespace}/cronjobs/${environment}`,
      ]);
      const labelSelector = selector({ [LABELS.app]: app, [LABELS.environment]: environment });
      for (const kind of ['configmaps', 'secrets']) {
        const held = await api.list<KubeObject>(`/api/v1/namespaces/${namespace}/${kind}`, { labelSelector });
        await deleteAll(held.items.map((o) => `/api/v1/namespaces/${namespace}/${kind}/${o.metadata.name}`));
      }
    },
    logs(app, environment, o, signal) {
      // The interface is a plain AsyncIterable; the pod lookup happens on first iteration.
      return (async function* () {
        yield* await logs(app, environment, o, signal);
      })();
    },
    async runJob(spec: DeploySpec, onLine: OnLine, signal?: AbortSignal): Promise<JobRun> {
      const refused = refuse(spec);
      if (refused) return { exitCode: null, logTail: refused };
      await ensureApp(spec.app);
      const m = environmentManifests(templates, spec, envOptions);
      if (spec.settings.kind !== 'job') return { exitCode: null, logTail: `${spec.app} is not a scheduled job` };
      const invalid = await applyEnvironment(m.objects.filter((o) => o.kind !== 'CronJob'));
      if (invalid) return { exitCode: null, logTail: invalid };
      return runJobOnce(api, m.workload, { onLine, timeoutSeconds: envOptions.jobDeadlineSeconds + 60, signal });
    },
  };
}
