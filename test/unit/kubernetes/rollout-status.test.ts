import { describe, expect, it } from 'vitest';
import { replicaFailure, rolloutStatus, type DeploymentState } from '../../../src/runtime/kubernetes/rollout-status.js';

const d = (generation: number, status: NonNullable<DeploymentState['status']>, replicas = 1): DeploymentState => ({
  metadata: { name: 'preview', generation },
  spec: { replicas },
  status,
});

describe('rolloutStatus', () => {
  it('waits until the controller has observed the new generation', () => {
    expect(rolloutStatus(d(2, { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 })).state).toBe('progressing');
  });
  it('waits for new pods, for old pods to go, and for new pods to be available', () => {
    expect(rolloutStatus(d(2, { observedGeneration: 2, replicas: 1, updatedReplicas: 0, availableReplicas: 1 })).message).toBe('0 of 1 new pods created');
    expect(rolloutStatus(d(2, { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1 })).message).toBe('1 old pods still running');
    expect(rolloutStatus(d(2, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 })).message).toBe('0 of 1 new pods ready');
  });
  it('is complete when all replicas are updated and available', () => {
    expect(rolloutStatus(d(3, { observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, 2))).toEqual({
      state: 'complete',
      message: '2 of 2 pods ready',
    });
  });
  it('fails on ProgressDeadlineExceeded with the condition message', () => {
    const s = rolloutStatus(
      d(2, {
        observedGeneration: 2,
        replicas: 2,
        updatedReplicas: 1,
        availableReplicas: 1,
        conditions: [
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "preview-abc" has timed out progressing.' },
        ],
      }),
    );
    expect(s).toEqual({ state: 'failed', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "preview-abc" has timed out progressing.' });
  });
  it('reports a quota refusal of the pods', () => {
    expect(
      replicaFailure(d(1, { conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota: app-quota' }] })),
    ).toBe('FailedCreate: exceeded quota: app-quota');
    expect(replicaFailure(d(1, {}))).toBeNull();
  });
});
