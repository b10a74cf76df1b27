// The parts of a Pod and an Event that Slipway reads, and a one-line summary of why a pod is not ready.

export interface PodState {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec?: { containers?: { name: string; image?: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: {
      name: string;
      ready?: boolean;
      restartCount?: number;
      state?: {
        waiting?: { reason?: string; message?: string };
        running?: { startedAt?: string };
        terminated?: { exitCode?: number; reason?: string; message?: string };
      };
      lastState?: { terminated?: { exitCode?: number; reason?: string } };
    }[];
  };
}

export interface EventState {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  involvedObject?: { kind?: string; name?: string };
  lastTimestamp?: string;
  eventTime?: string;
}

export function describePod(pod: PodState): string {
  const s = pod.status ?? {};
  const parts = [`pod ${pod.metadata.name}: ${s.phase ?? 'Unknown'}`];
  if (s.reason) parts.push(`${s.reason}${s.message ? ` (${s.message})` : ''}`);
  for (const c of s.containerStatuses ?? []) {
    const w = c.state?.waiting;
    const t = c.state?.terminated;
    if (w) parts.push(`${c.name} waiting: ${w.reason ?? ''}${w.message ? ` (${w.message})` : ''}`);
    else if (t) parts.push(`${c.name} exited ${t.exitCode ?? '?'}${t.reason ? ` (${t.reason})` : ''}`);
    else if (c.ready === false) parts.push(`${c.name} running but not ready`);
    if ((c.restartCount ?? 0) > 0) parts.push(`${c.restartCount} restarts`);
  }
  const scheduled = s.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (scheduled) parts.push(`not scheduled: ${scheduled.message ?? scheduled.reason ?? ''}`);
  return parts.join(', ');
}

export function describeEvent(e: EventState): string {
  const count = (e.count ?? 1) > 1 ? ` (×${e.count})` : '';
  return `${e.involvedObject?.kind ?? ''} ${e.involvedObject?.name ?? ''}: ${e.type ?? 'Normal'} ${e.reason ?? ''}: ${e.message ?? ''}${count}`.trim();
}
