// Log lines of pods, read through the apiserver (which asks the node's kubelet): one pod, or
// several merged as their lines arrive, each line prefixed with its pod when there are several.
import type { KubeApi } from './kube-api.js';
import { readLines } from './read-lines.js';

export interface LogOptions {
  /** The last lines only; all of the log when absent. */
  tail?: number;
  follow: boolean;
  container?: string;
}

export async function* streamPodLogs(api: KubeApi, namespace: string, pod: string, o: LogOptions, signal?: AbortSignal): AsyncIterable<string> {
  const local = new AbortController();
  const onAbort = () => local.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await api.stream(
      `/api/v1/namespaces/${namespace}/pods/${pod}/log`,
      { container: o.container ?? 'app', tailLines: o.tail, follow: o.follow || undefined },
      local.signal,
    );
    try {
      for await (const line of readLines(res)) yield line;
    } catch (e) {
      if (!local.signal.aborted) throw e;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    local.abort();
  }
}

/** The last `lines` lines of a pod's log as one string, or why there is none. */
export async function podLogTail(api: KubeApi, namespace: string, pod: string, lines: number): Promise<string> {
  const out: string[] = [];
  try {
    for await (const line of streamPodLogs(api, namespace, pod, { tail: lines, follow: false })) out.push(line);
  } catch (e) {
    // The container may never have started (image pull, scheduling): then there is no log to show.
    return `(no log from ${pod}: ${(e as Error).message})`;
  }
  return out.join('\n');
}

/** Lines of several pods as they come, `[pod] line` each. */
export async function* streamManyPodLogs(api: KubeApi, namespace: string, pods: readonly string[], o: LogOptions, signal?: AbortSignal): AsyncIterable<string> {
  if (pods.length === 1) {
    yield* streamPodLogs(api, namespace, pods[0]!, o, signal);
    return;
  }
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const queue: string[] = [];
  let wake: (() => void) | null = null;
  let running = pods.length;
  let failure: unknown = null;
  const pump = async (pod: string) => {
    try {
      for await (const line of streamPodLogs(api, namespace, pod, o, stop.signal)) {
        queue.push(`[${pod}] ${line}`);
        wake?.();
      }
    } catch (e) {
      failure ??= e;
    } finally {
      running -= 1;
      wake?.();
    }
  };
  for (const pod of pods) void pump(pod);
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (failure) throw failure;
      if (running === 0) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}
