// Runs a scheduled job once now: a Job made from the CronJob's own jobTemplate (as `kubectl
// create job --from=cronjob/…` does), awaited with a watch, then its pod's exit code and log.
import type { JobRun, OnLine } from '../runtime.js';
import type { KubeApi, KubeObject } from './kube-api.js';
import { ANNOTATIONS } from './slipway-labels.js';
import type { PodState } from './pod-state.js';
import { podLogTail } from './stream-pod-logs.js';

interface JobState {
  metadata: { name: string; resourceVersion?: string };
  status?: { succeeded?: number; failed?: number; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

function finished(job: JobState): { ok: boolean; message: string } | null {
  for (const c of job.status?.conditions ?? []) {
    if (c.status !== 'True') continue;
    if (c.type === 'Complete') return { ok: true, message: 'completed' };
    if (c.type === 'Failed') return { ok: false, message: `${c.reason ?? 'Failed'}: ${c.message ?? ''}` };
  }
  return null;
}

export async function runJobOnce(api: KubeApi, cronJob: KubeObject, o: { onLine: OnLine; timeoutSeconds: number; signal?: AbortSignal }): Promise<JobRun> {
  const namespace = cronJob.metadata.namespace ?? '';
  const jobTemplate = (cronJob['spec'] as { jobTemplate: { metadata?: { labels?: Record<string, string> }; spec: Record<string, unknown> } }).jobTemplate;
  const name = `${cronJob.metadata.name}-run-${Date.now().toString(36)}`;
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace,
      labels: jobTemplate.metadata?.labels ?? {},
      annotations: { [ANNOTATIONS.runBy]: 'slipway', 'cronjob.kubernetes.io/instantiate': 'manual' },
    },
    spec: jobTemplate.spec,
  };
  const jobsPath = `/apis/batch/v1/namespaces/${namespace}/jobs`;
  const created = await api.request<JobState>('POST', jobsPath, { body: job, query: { fieldManager: 'slipway', fieldValidation: 'Strict' } });
  o.onLine(`started job ${namespace}/${name}`);

  const deadline = Date.now() + o.timeoutSeconds * 1000;
  let result = finished(created);
  let resourceVersion = created.metadata.resourceVersion;
  while (!result) {
    o.signal?.throwIfAborted();
    const left = deadline - Date.now();
    if (left <= 0) return { exitCode: null, logTail: `the job did not finish within ${o.timeoutSeconds}s` };
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), left);
    const onAbort = () => stop.abort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const event of api.watch<JobState>(
        jobsPath,
        { fieldSelector: `metadata.name=${name}`, resourceVersion, timeoutSeconds: Math.ceil(left / 1000) },
        stop.signal,
      )) {
        if (event.type === 'BOOKMARK') continue;
        result = finished(event.object);
        if (result) break;
      }
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    }
    if (!result) {
      const again = await api.get<JobState>(`${jobsPath}/${name}`);
      resourceVersion = again.metadata.resourceVersion;
      result = finished(again);
    }
  }
  o.onLine(`job ${name}: ${result.message}`);
  const pods = await api.list<PodState>(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: `batch.kubernetes.io/job-name=${name}` });
  const pod = pods.items.at(-1);
  const exitCode = pod?.status?.containerStatuses?.find((c) => c.name === 'app')?.state?.terminated?.exitCode ?? (result.ok ? 0 : null);
  const logTail = pod ? await podLogTail(api, namespace, pod.metadata.name, 50) : result.message;
  // The run's own output goes to the run's log (the pod is gone after ttlSecondsAfterFinished).
  if (pod) for (const line of logTail.split('\n')) if (line) o.onLine(line);
  return { exitCode, logTail };
}
