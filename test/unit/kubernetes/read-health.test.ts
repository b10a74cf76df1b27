// What the kubelet reports of an environment's pods, as Slipway shows it: restarts, and why it is not ready.
import { describe, expect, it } from 'vitest';
import { healthOf } from '../../../src/runtime/kubernetes/read-health.js';
import type { PodState } from '../../../src/runtime/kubernetes/pod-state.js';

const pod = (name: string, environment: string, status: NonNullable<PodState['status']>, extra: Partial<PodState['metadata']> = {}): PodState => ({
  metadata: { name, labels: { 'slipway.dev/environment': environment }, ownerReferences: [{ kind: 'ReplicaSet', name: `${environment}-1` }], ...extra },
  status,
});

describe('healthOf', () => {
  it('says nothing is wrong with ready pods that never restarted', () => {
    expect(healthOf([pod('a', 'preview', { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0 }] })])).toEqual([
      { environment: 'preview', restarts: 0, problem: null },
    ]);
  });

  it('counts restarts and names a crash loop with the last exit code', () => {
    const crashing = pod('b', 'prod', {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 4,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
          lastState: { terminated: { exitCode: 3, reason: 'Error' } },
        },
      ],
    });
    const healthy = pod('c', 'prod', { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 1 }] });
    expect(healthOf([crashing, healthy])).toEqual([
      { environment: 'prod', restarts: 5, problem: 'the app exited with code 3 (Error); restarting after a back-off (CrashLoopBackOff)' },
    ]);
  });

  it('says a running pod that fails its readiness probe is not ready', () => {
    const [h] = healthOf([
      pod('d', 'preview', { phase: 'Running', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { running: {} } }] }),
    ]);
    expect(h?.problem).toBe('running but not ready (its health check fails)');
  });

  it('leaves out pods being deleted and the pods of job runs', () => {
    const leaving = pod('e', 'preview', { containerStatuses: [{ name: 'app', ready: false, restartCount: 9 }] }, { deletionTimestamp: '2026-11-30T00:00:00Z' });
    const jobRun = pod(
      'f',
      'preview',
      { containerStatuses: [{ name: 'app', ready: false, restartCount: 0 }] },
      { ownerReferences: [{ kind: 'Job', name: 'run-1' }] },
    );
    expect(healthOf([leaving, jobRun])).toEqual([]);
  });
});
