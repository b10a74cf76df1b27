// Builds a commit with BuildKit in a Kubernetes Job (SLIPWAY_BUILDER=buildkit): no Docker Engine anywhere. The Job's
// one pod runs the build image (scripts/buildkit-image.sh): it fetches the commit's tree from Slipway with a one-time
// token (src/pipeline/build-contexts.ts), builds it with buildkitd and buildctl, and pushes the image to the registry
// every node pulls from. Its output is the build log, streamed here line by line as the pod writes it. Cancelling
// or timing out deletes the Job (and so the pod). The same contract as buildImage: a commit whose image the registry
// has is not built again.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BuildkitSettings } from '../config/load-config.js';
import type { KubeApi, KubeObject } from '../runtime/kubernetes/kube-api.js';
import { isNotFound } from '../runtime/kubernetes/kubernetes-error.js';
import { describePod, type PodState } from '../runtime/kubernetes/pod-state.js';
import { streamPodLogs } from '../runtime/kubernetes/stream-pod-logs.js';
import { messageOf, type SlipwayError } from '../shared/errors.js';
import { openLineLog, type LineLog } from '../shared/line-log.js';
import { BuildError, cancelledBuild } from '../build/build-errors.js';
import type { BuildImageOptions, BuildImageResult } from '../build/build-image.js';
import type { BuildContexts } from './build-contexts.js';
import { imageParts } from '../build/image-name.js';
import { readManifestDigest, registryCredentials, RegistryError, type RegistryCredentials } from '../build/registry-manifests.js';

export interface BuildkitBuilderOptions {
  api: KubeApi;
  contexts: BuildContexts;
  settings: BuildkitSettings;
  /** SLIPWAY_REGISTRY: images are named after it (what nodes pull) and pushed there. */
  registry: string;
  /** The registry is spoken to over plain HTTP (SLIPWAY_REGISTRY_URL is http://, or it is on loopback). */
  plainHttp: boolean;
  /** `slipway.dev/installation` on the Jobs: which installation's builds they are. */
  installation: string;
  /** How often the pod's state is read while it starts (tests make it short). */
  pollMs?: number;
}

/** The entrypoint's exit code when the build could not run (fetch, buildkitd, push): not the code's fault. */
const EXIT_RETRY = 75;
/** Waiting reasons that mean the pod will not start by waiting (the build image is wrong or missing). */
const STUCK = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError']);

interface JobState extends KubeObject {
  status?: { succeeded?: number; failed?: number; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

type BuildPod = PodState & { spec?: { nodeName?: string } };

export function createBuildkitBuilder(o: BuildkitBuilderOptions): (options: BuildImageOptions) => Promise<BuildImageResult> {
  const { api, settings } = o;
  const namespace = settings.namespace;
  const pollMs = o.pollMs ?? 1000;
  let namespaceChecked = false;

  /** The build namespace, made when missing (k8s/bootstrap makes it with its quota; a test cluster may not have it). */
  async function ensureNamespace(): Promise<void> {
    if (namespaceChecked) return;
    try {
      await api.get(`/api/v1/namespaces/${namespace}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await api.apply({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: namespace,
          labels: {
            'app.kubernetes.io/managed-by': 'slipway',
            'app.kubernetes.io/part-of': 'slipway',
            // BuildKit's pods are privileged (ARCHITECTURE.md: Builds on Kubernetes); only this namespace allows it.
            'pod-security.kubernetes.io/enforce': 'privileged',
          },
        },
      });
    }
    const auth = registryCredentials(o.registry.split('/')[0]!);
    if (auth) await api.apply(registryCredentialsSecret(namespace, o.registry, auth));
    namespaceChecked = true;
  }

  return async function buildWithBuildkit(options: BuildImageOptions): Promise<BuildImageResult> {
    const started = performance.now();
    const { app, commit, signal, timeoutMs } = options;
    const { repository, tag } = imageParts(app, commit, o.registry);
    const image = `${repository}:${tag}`;
    const elapsed = () => Math.round(performance.now() - started);
    const deadline = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const abort = AbortSignal.any([signal, deadline].filter((s): s is AbortSignal => s !== undefined));
    const log = openLineLog(options.logFile, options.onLine, options.maxLogBytes);
    let jobName: string | undefined;
    const offer = o.contexts.offer({ gitdir: options.gitdir, commit });
    try {
      if ((await readManifestDigest(repository, tag, abort)) !== null) {
        log.line(`image ${image} is already in the registry for commit ${commit}: not building it again`);
        return { image, reused: true, durationMs: elapsed() };
      }
      await ensureNamespace();
      const job = await api.request<JobState>('POST', `/apis/batch/v1/namespaces/${namespace}/jobs`, {
        body: jobFor({ ...o, app, commit, image, repository, offer, buildArgs: options.buildArgs, timeoutMs, limits: options.limits }),
        query: { fieldManager: 'slipway', fieldValidation: 'Strict' },
      });
      jobName = job.metadata.name;
      log.line(`building ${image} from commit ${commit} with BuildKit (job ${namespace}/${jobName})`);
      const pod = await waitForStart(jobName, log, abort);
      const exit = await followBuild(pod, log, abort);
      if (exit.code !== 0) throw failure(image, exit);
      if ((await readManifestDigest(repository, tag, abort)) === null)
        throw new BuildError(image, `the build job finished without an error, but the registry has no ${image}`, { needsPerson: false });
      log.line(`built ${image} in ${(elapsed() / 1000).toFixed(1)}s on ${pod.spec?.nodeName ?? 'a node'}`);
      // A Job that succeeded has nothing more to say; a failed one stays a while (ttlSecondsAfterFinished) to be read.
      await removeJob(jobName).catch(() => undefined);
      return { image, reused: false, durationMs: elapsed() };
    } catch (e) {
      if (jobName !== undefined && abort.aborted) await removeJob(jobName).catch(() => undefined);
      if (signal?.aborted) {
        const cancelled = cancelledBuild(image, signal);
        log.line(cancelled.message);
        throw cancelled;
      }
      const error: SlipwayError = deadline?.aborted
        ? new BuildError(image, `building ${image} timed out after ${Math.round((timeoutMs ?? 0) / 1000)}s (SLIPWAY_BUILD_TIMEOUT)`, { cause: e })
        : e instanceof BuildError || e instanceof RegistryError
          ? e
          : new BuildError(image, `building ${image} in Kubernetes failed: ${messageOf(e)}`, { cause: e, needsPerson: false });
      log.verdict(`build failed: ${error.message}`);
      throw error;
    } finally {
      offer.withdraw();
      log.close();
    }
  };

  async function removeJob(name: string): Promise<void> {
    await api.delete(`/apis/batch/v1/namespaces/${namespace}/jobs/${name}`, { propagationPolicy: 'Background' });
  }

  /** The Job's pod once its container runs or ended; the scheduler's or kubelet's reason is said once while waiting. */
  async function waitForStart(job: string, log: LineLog, signal: AbortSignal): Promise<BuildPod> {
    let said = '';
    for (;;) {
      signal.throwIfAborted();
      const pods = await api.list<BuildPod>(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: `batch.kubernetes.io/job-name=${job}` });
      const pod = pods.items.at(-1);
      const status = pod?.status?.containerStatuses?.find((c) => c.name === 'build');
      if (pod && (status?.state?.running || status?.state?.terminated || pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded')) return pod;
      const waiting = status?.state?.waiting;
      if (pod && waiting?.reason && STUCK.has(waiting.reason))
        throw new BuildError('', `the build pod cannot start: ${describePod(pod)} (is SLIPWAY_BUILDKIT_IMAGE in a registry the nodes pull from?)`, {
          needsPerson: false,
        });
      const now = pod ? describePod(pod) : `waiting for job ${job} to make its pod`;
      if (now !== said && pod?.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False')) log.line(now);
      said = now;
      await sleep(pollMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Streams the pod's output into the log until it ends, then its exit code and why. */
  async function followBuild(pod: BuildPod, log: LineLog, signal: AbortSignal): Promise<{ code: number | null; reason: string; lastLine: string }> {
    let lastLine = '';
    for (let attempt = 0; ; attempt += 1) {
      try {
        // All of it the first time; after a cut, only what comes next (what the cut lost is said to be lost).
        const from = attempt === 0 ? {} : { tail: 0 };
        for await (const line of streamPodLogs(api, namespace, pod.metadata.name, { ...from, follow: true, container: 'build' }, signal)) {
          log.line(line);
          if (line.trim()) lastLine = line;
        }
      } catch (e) {
        signal.throwIfAborted();
        if (attempt >= 3) throw e;
      }
      // The stream ends when the container does (or the apiserver cut it): the container's state says which.
      for (let i = 0; i < 30; i += 1) {
        signal.throwIfAborted();
        const now = await api.get<BuildPod>(`/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}`);
        const t = now.status?.containerStatuses?.find((c) => c.name === 'build')?.state?.terminated;
        if (t) return { code: t.exitCode ?? null, reason: t.reason ?? '', lastLine };
        if (now.status?.phase === 'Failed') return { code: null, reason: now.status.reason ?? describePod(now), lastLine };
        if (now.status?.containerStatuses?.find((c) => c.name === 'build')?.state?.running) break;
        await sleep(pollMs, undefined, { signal }).catch(() => undefined);
      }
      // Still running: the log stream was cut; follow again from where the file is (the log keeps what it had).
      log.line('(the build log stream was cut: some lines may be missing here; following it again)');
    }
  }
}

/** The error a finished, failed build pod means: the code's fault (a person fixes it) or the platform's (retried). */
function failure(image: string, exit: { code: number | null; reason: string; lastLine: string }): BuildError {
  const said = /slipway-build: failed: (.*)$/.exec(exit.lastLine)?.[1];
  if (exit.reason === 'OOMKilled')
    return new BuildError(image, `the build ran out of memory (SLIPWAY_BUILD_MEMORY): the pod was killed`, { needsPerson: true });
  if (exit.reason === 'DeadlineExceeded') return new BuildError(image, `the build job reached its deadline (SLIPWAY_BUILD_TIMEOUT)`, { needsPerson: false });
  const needsPerson = exit.code !== null && exit.code !== EXIT_RETRY && exit.code !== 137 && exit.code !== 143;
  return new BuildError(
    image,
    said ? `building ${image} failed: ${said}` : `the build pod exited with ${exit.code ?? exit.reason}${exit.lastLine ? `: ${exit.lastLine}` : ''}`,
    { needsPerson },
  );
}

/** The Secret build pods read the registry's credentials from (k8s/bootstrap lets the builder write only this one). */
const CREDENTIALS_SECRET = 'slipway-registry-credentials';
const CREDENTIALS_DIR = '/slipway/registry';

/** Docker's config.json with the registry's credentials, as a Secret of the kind image pulls use too. */
export function registryCredentialsSecret(
  namespace: string,
  registry: string,
  auth: RegistryCredentials,
): KubeObject & { type: string; data: Record<string, string> } {
  const host = registry.split('/')[0]!;
  const config = { auths: { [host]: { auth: Buffer.from(`${auth.username}:${auth.password}`).toString('base64') } } };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: CREDENTIALS_SECRET, namespace, labels: { 'app.kubernetes.io/managed-by': 'slipway', 'app.kubernetes.io/part-of': 'slipway' } },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') },
  };
}

interface JobInput extends BuildkitBuilderOptions {
  app: string;
  commit: string;
  image: string;
  repository: string;
  offer: { path: string; token: string };
  buildArgs: Readonly<Record<string, string>>;
  timeoutMs: number | undefined;
  limits: { memoryBytes: number; cpus: number } | undefined;
}

/** The Job of one build (exported for unit tests of its shape). */
export function jobFor(i: JobInput): {
  apiVersion: string;
  kind: string;
  metadata: { generateName: string; namespace: string; labels: Record<string, string> };
  spec: unknown;
} {
  const { settings } = i;
  const registryHost = i.registry.split('/')[0]!;
  const withCredentials = registryCredentials(registryHost) !== undefined;
  const env: { name: string; value: string }[] = [
    { name: 'SLIPWAY_CONTEXT_URL', value: `${settings.contextUrl ?? ''}${i.offer.path}` },
    { name: 'SLIPWAY_CONTEXT_TOKEN', value: i.offer.token },
    { name: 'SLIPWAY_IMAGE', value: i.image },
  ];
  const args = Object.entries(i.buildArgs).map(([k, v]) => `${k}=${v}`);
  if (args.length > 0) env.push({ name: 'SLIPWAY_BUILD_ARGS', value: args.join('\n') });
  // One cache per app, in the registry: a build on any node reuses the layers of the app's last build on any other.
  if (settings.cache) env.push({ name: 'SLIPWAY_CACHE_REF', value: `${i.repository}-cache:buildkit` });
  if (i.plainHttp) env.push({ name: 'SLIPWAY_INSECURE_REGISTRIES', value: registryHost });
  if (withCredentials) env.push({ name: 'DOCKER_CONFIG', value: CREDENTIALS_DIR });
  const labels = {
    'app.kubernetes.io/managed-by': 'slipway',
    'app.kubernetes.io/component': 'build',
    'slipway.dev/app': i.app,
    'slipway.dev/commit': i.commit.slice(0, 12),
    'slipway.dev/installation': i.installation,
  };
  const memory = i.limits ? `${Math.max(64, Math.floor(i.limits.memoryBytes / 2 ** 20))}Mi` : '2Gi';
  const cpu = i.limits ? `${Math.max(100, Math.round(i.limits.cpus * 1000))}m` : '2';
  const hostname = registryHost.replace(/:\d+$/, '');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { generateName: `build-${i.app}-${i.commit.slice(0, 8)}-`, namespace: settings.namespace, labels },
    spec: {
      backoffLimit: 0,
      // The pipeline's own timeout comes first; this one ends a pod whose Slipway went away.
      ...(i.timeoutMs !== undefined ? { activeDeadlineSeconds: Math.ceil(i.timeoutMs / 1000) + 60 } : {}),
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          nodeSelector: settings.nodeSelector,
          tolerations: Object.entries(settings.tolerate).map(([key, value]) => ({ key, operator: 'Equal', value, effect: 'NoSchedule' })),
          ...(settings.registryIp && !/^[\d.]+$/.test(hostname) ? { hostAliases: [{ ip: settings.registryIp, hostnames: [hostname] }] } : {}),
          containers: [
            {
              name: 'build',
              image: settings.image,
              imagePullPolicy: 'IfNotPresent',
              env,
              // BuildKit makes mounts and namespaces for every RUN step: see ARCHITECTURE.md, Builds on Kubernetes.
              securityContext: { privileged: true },
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu, memory } },
              volumeMounts: [
                { name: 'buildkit', mountPath: '/var/lib/buildkit' },
                { name: 'workspace', mountPath: '/workspace' },
                ...(withCredentials ? [{ name: 'registry-credentials', mountPath: CREDENTIALS_DIR, readOnly: true }] : []),
              ],
            },
          ],
          volumes: [
            { name: 'buildkit', emptyDir: {} },
            { name: 'workspace', emptyDir: {} },
            ...(withCredentials
              ? [{ name: 'registry-credentials', secret: { secretName: CREDENTIALS_SECRET, items: [{ key: '.dockerconfigjson', path: 'config.json' }] } }]
              : []),
          ],
        },
      },
    },
  };
}
