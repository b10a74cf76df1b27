// The objects of one environment of an app, from a DeploySpec: ConfigMap and Secret, then either
// Deployment + Service + Ingress (web) or a CronJob (job), rendered from k8s/templates/.
import { createHash } from 'node:crypto';
import { hostFor } from '../../domain/host-for.js';
import type { DeploySpec } from '../runtime.js';
import { appNamespace } from './app-namespace.js';
import { podResources } from './app-quota.js';
import type { KubeObject } from './kube-api.js';
import type { Templates } from './load-templates.js';

export interface EnvironmentOptions {
  readonly domain: string;
  readonly ingressClassName: string;
  /** Dedicated nodes: pods go only where these labels are, and tolerate the matching `NoSchedule` taints. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Added to the time the health check allows, for pulling the image and scheduling. */
  readonly rolloutMarginSeconds: number;
  /** How long one run of a scheduled job may take. */
  readonly jobDeadlineSeconds: number;
}

export interface EnvironmentManifests {
  readonly namespace: string;
  /** ConfigMap and Secret first (pods refer to them), the workload last. */
  readonly objects: KubeObject[];
  /** The Deployment or CronJob. */
  readonly workload: KubeObject;
  readonly configMapName: string;
  readonly secretName: string;
}

// Content-addressed names. A name reveals nothing usable about a secret: whoever can list the
// namespace's Secrets (the builder, an admin) can read them anyway, and app pods get no API access.
function contentName(prefix: string, data: Record<string, string>): string {
  const sorted = Object.keys(data)
    .sort()
    .map((k) => [k, data[k]]);
  return `${prefix}-${createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 10)}`;
}

export function environmentManifests(templates: Templates, spec: DeploySpec, o: EnvironmentOptions): EnvironmentManifests {
  const env = spec.environment;
  const namespace = appNamespace(spec.app);
  const health = env.health;
  const periodSeconds = Math.max(1, Math.ceil(health.intervalSeconds));
  const startupSeconds = Math.ceil(health.attempts * health.intervalSeconds);
  const secretData = Object.fromEntries(Object.entries(spec.secrets).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
  const configMapName = contentName(`${env.name}-env`, spec.settings.env);
  const secretName = contentName(`${env.name}-secrets`, spec.secrets);
  // slipway.yaml readOnly: the folders that stay writable (parseAppSettings gives /tmp by default).
  const writable = spec.settings.readOnly ? (spec.settings.writable ?? ['/tmp']) : [];
  // The environment's own host first, then its custom domains, all to the same Service.
  const hosts = [hostFor(env, spec.app, o.domain), ...(spec.domains ?? [])];
  const rule = (host: string) => ({
    host,
    http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: env.name, port: { name: 'http' } } } }] },
  });
  const values = {
    app: spec.app,
    namespace,
    environment: env.name,
    name: env.name,
    commit: spec.commit,
    deploymentId: spec.deploymentId,
    image: spec.image,
    port: spec.settings.port,
    portText: String(spec.settings.port),
    healthPath: spec.settings.healthPath,
    replicas: env.replicas,
    progressDeadlineSeconds: startupSeconds + o.rolloutMarginSeconds,
    resources: { ...podResources(env) },
    probes: {
      periodSeconds,
      timeoutSeconds: Math.max(1, Math.ceil(health.timeoutSeconds)),
      startupFailureThreshold: Math.max(1, Math.ceil(startupSeconds / periodSeconds)),
    },
    configMapName,
    secretName,
    env: { ...spec.settings.env },
    secretData,
    rules: hosts.map(rule),
    ingressClassName: o.ingressClassName,
    schedule: spec.settings.schedule ?? '',
    jobDeadlineSeconds: o.jobDeadlineSeconds,
    nodeSelector: { ...o.nodeSelector },
    // slipway.yaml readOnly: the image's files as built; writable folders are emptyDirs in memory.
    readOnlyRootFilesystem: spec.settings.readOnly === true,
    writableVolumes: writable.map((_, i) => ({ name: `writable-${i}`, emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } })),
    writableMounts: writable.map((path, i) => ({ name: `writable-${i}`, mountPath: path })),
    tolerations: Object.entries(o.nodeSelector).map(([key, value]) => ({ key, operator: 'Equal', value, effect: 'NoSchedule' })),
  };
  const config = [templates.render('config-map', values), templates.render('secret', values)];
  if (spec.settings.kind === 'job') {
    const cronJob = templates.render('cron-job', values);
    return { namespace, objects: [...config, cronJob], workload: cronJob, configMapName, secretName };
  }
  const deployment = templates.render('deployment', values);
  return {
    namespace,
    objects: [
      ...config,
      templates.render('service', values),
      templates.render('ingress', values),
      templates.render('pod-disruption-budget', values),
      deployment,
    ],
    workload: deployment,
    configMapName,
    secretName,
  };
}
