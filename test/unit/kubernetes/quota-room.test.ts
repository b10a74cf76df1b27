import { describe, expect, it } from 'vitest';
import { podResources } from '../../../src/runtime/kubernetes/app-quota.js';
import { explainQuotaRoom } from '../../../src/runtime/kubernetes/quota-room.js';

const pod = podResources({ resources: { cpu: '250m', memory: '128Mi' } });
const hard = { pods: '6', 'limits.cpu': '1', 'limits.memory': '512Mi', 'requests.cpu': '500m', 'requests.memory': '256Mi' };

describe('room for a branch preview in the app quota', () => {
  it('fits beside preview and production, keeping one rolling pod free', () => {
    const used = { pods: '2', 'limits.cpu': '500m', 'limits.memory': '256Mi', 'requests.cpu': '124m', 'requests.memory': '64Mi' };
    expect(explainQuotaRoom({ hard, used }, 1, pod, pod)).toBeNull();
  });

  it('says what is short when a second branch preview would leave no room to roll', () => {
    const used = { pods: '3', 'limits.cpu': '750m', 'limits.memory': '384Mi', 'requests.cpu': '186m', 'requests.memory': '96Mi' };
    expect(explainQuotaRoom({ hard, used }, 1, pod, pod)).toBe('limits.cpu 500m (used 750m of 1), limits.memory 256Mi (used 384Mi of 512Mi)');
    // An update of a branch preview that runs already needs only the rolling pod.
    expect(explainQuotaRoom({ hard, used }, 0, pod, pod)).toBeNull();
  });

  it('does not hold a quota the controller has not counted yet against the deploy', () => {
    expect(explainQuotaRoom({ hard }, 1, pod, pod)).toBeNull();
    expect(explainQuotaRoom(undefined, 1, pod, pod)).toBeNull();
  });
});
