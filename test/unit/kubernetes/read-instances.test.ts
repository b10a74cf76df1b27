import { describe, expect, it } from 'vitest';
import { instancesOf, type DeploymentObject, type ReplicaSetObject } from '../../../src/runtime/kubernetes/read-instances.js';

const commitA = 'a'.repeat(40);
const commitB = 'b'.repeat(40);
const template = (commit: string) => ({
  metadata: { labels: { 'slipway.dev/commit': commit } },
  spec: { containers: [{ name: 'app', image: `r/shop:${commit.slice(0, 12)}` }] },
});
const deployment = (commit: string, status: NonNullable<DeploymentObject['status']>): DeploymentObject => ({
  metadata: { name: 'prod', uid: 'd1', generation: 2, labels: { 'slipway.dev/environment': 'prod' }, annotations: { 'slipway.dev/deployment-id': 'dep_new' } },
  spec: { replicas: 1, template: template(commit) },
  status: { observedGeneration: 2, ...status },
});
const rs = (name: string, revision: number, commit: string, available: number): ReplicaSetObject => ({
  metadata: {
    name,
    uid: name,
    creationTimestamp: `2025-01-0${revision}T00:00:00Z`,
    annotations: { 'deployment.kubernetes.io/revision': String(revision), 'slipway.dev/deployment-id': `dep_${name}` },
    ownerReferences: [{ uid: 'd1' }],
  },
  spec: { template: template(commit) },
  status: { availableReplicas: available },
});

describe('instancesOf', () => {
  it('reports a completed rollout as live with its commit', () => {
    const out = instancesOf(
      'shop',
      [deployment(commitB, { replicas: 1, updatedReplicas: 1, availableReplicas: 1 })],
      [rs('old', 1, commitA, 0), rs('new', 2, commitB, 1)],
      [],
    );
    expect(out).toEqual([
      {
        app: 'shop',
        environment: 'prod',
        commit: commitB,
        image: 'r/shop:bbbbbbbbbbbb',
        state: 'live',
        since: '2025-01-02T00:00:00Z',
        deploymentId: 'dep_new',
      },
    ]);
  });
  it('during a rollout, keeps the old version live and the new one starting', () => {
    const out = instancesOf(
      'shop',
      [deployment(commitB, { replicas: 2, updatedReplicas: 1, availableReplicas: 1 })],
      [rs('old', 1, commitA, 1), rs('new', 2, commitB, 0)],
      [],
    );
    expect(out.map((i) => [i.state, i.commit, i.deploymentId])).toEqual([
      ['starting', commitB, 'dep_new'],
      ['live', commitA, 'dep_old'],
    ]);
  });
  it('marks a rollout past its deadline as failed', () => {
    const out = instancesOf(
      'shop',
      [
        deployment(commitB, {
          replicas: 2,
          updatedReplicas: 1,
          availableReplicas: 1,
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
        }),
      ],
      [rs('old', 1, commitA, 1), rs('new', 2, commitB, 0)],
      [],
    );
    expect(out.map((i) => i.state)).toEqual(['failed', 'live']);
  });
  it('while a rollback is on its way, reports the restored version live as soon as it has pods', () => {
    // After a rollback the controller gives the old ReplicaSet the newest revision.
    const out = instancesOf(
      'shop',
      [
        deployment(commitA, {
          replicas: 2,
          updatedReplicas: 1,
          availableReplicas: 1,
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
        }),
      ],
      [rs('old', 3, commitA, 1), rs('bad', 2, commitB, 0)],
      [],
    );
    expect(out.map((i) => [i.state, i.commit])).toEqual([['live', commitA]]);
  });
  it('reports a CronJob as a live job environment', () => {
    const out = instancesOf(
      'tick',
      [],
      [],
      [
        {
          metadata: { name: 'preview', labels: { 'slipway.dev/environment': 'preview', 'slipway.dev/commit': commitA }, creationTimestamp: 't' },
          spec: { jobTemplate: { spec: { template: template(commitA) } } },
        },
      ],
    );
    expect(out).toEqual([{ app: 'tick', environment: 'preview', commit: commitA, image: 'r/shop:aaaaaaaaaaaa', state: 'live', since: 't' }]);
  });
});
