// Every file of k8s/bootstrap/ and every rendered template of k8s/templates/ is accepted by the
// apiserver (server-side apply, dry run, strict field validation: an unknown or misspelt field
// is an error, not silently dropped).
import { beforeAll, describe, expect, it } from 'vitest';
import { appManifests } from '../../../src/runtime/kubernetes/app-manifests.js';
import { DEFAULT_APP_QUOTA } from '../../../src/runtime/kubernetes/app-quota.js';
import { DEFAULT_BUILDER } from '../../../src/runtime/kubernetes/create-kubernetes-runtime.js';
import { environmentManifests } from '../../../src/runtime/kubernetes/environment-manifests.js';
import type { KubeApi, KubeObject } from '../../../src/runtime/kubernetes/kube-api.js';
import { KubernetesError } from '../../../src/runtime/kubernetes/kubernetes-error.js';
import { loadTemplates } from '../../../src/runtime/kubernetes/load-templates.js';
import { renderBootstrap } from '../../../src/runtime/kubernetes/render-bootstrap.js';
import {
  adminApi,
  BOOTSTRAP_DIR,
  commitOf,
  jobSpec,
  PREVIEW,
  PROD,
  TEMPLATES_DIR,
  TEST_DOMAIN,
  TEST_INSTALLATION,
  uniqueApp,
  webSpec,
} from '../../helpers/k8s-cluster.js';

let api: KubeApi;
const templates = loadTemplates(TEMPLATES_DIR);
const envOptions = { domain: TEST_DOMAIN, ingressClassName: 'traefik', nodeSelector: {}, rolloutMarginSeconds: 60, jobDeadlineSeconds: 600 };

async function dryRun(objects: KubeObject[]): Promise<string[]> {
  const accepted: string[] = [];
  for (const o of objects) {
    const applied = await api.apply(o, { dryRun: true });
    expect(applied.kind).toBe(o.kind);
    accepted.push(`${o.kind}/${o.metadata.name}`);
  }
  return accepted;
}

beforeAll(() => {
  api = adminApi();
});

describe('server-side apply, dry run', () => {
  it('accepts every object of every file in k8s/bootstrap/', async () => {
    const objects = renderBootstrap(BOOTSTRAP_DIR, {
      publicIp: '203.0.113.7',
      builderImage: 'localhost:5050/slipway-builder:test',
      buildkitImage: 'registry.slipway.internal:5000/slipway/buildkit:test',
      // The test cluster's registry Service (scripts/k8s-test-cluster.sh) stands where k3s' would, in its service range.
    }).filter((o) => !(o.kind === 'Service' && o.metadata.name === 'registry'));
    // Namespaced objects can only be dry-run in a namespace that exists.
    for (const ns of objects.filter((o) => o.kind === 'Namespace')) await api.apply(ns);
    const accepted = await dryRun(objects);
    expect(accepted).toHaveLength(objects.length);
    expect(accepted).toContain('ValidatingAdmissionPolicy/slipway-builder-app-namespaces-only');
    expect(accepted).toContain('Deployment/slipway-builder');
  });

  it('accepts every rendered app and environment template (web app and scheduled job)', async () => {
    const app = uniqueApp('dry');
    const appObjects = appManifests(templates, app, { quota: DEFAULT_APP_QUOTA, builder: DEFAULT_BUILDER, installation: TEST_INSTALLATION });
    await api.apply(appObjects[0]!);
    try {
      const accepted = await dryRun([
        ...appObjects,
        ...environmentManifests(templates, webSpec(app, PREVIEW, commitOf(1)), envOptions).objects,
        ...environmentManifests(templates, webSpec(app, PROD, commitOf(2)), envOptions).objects,
        ...environmentManifests(templates, jobSpec(app, PREVIEW, commitOf(3)), envOptions).objects,
      ]);
      expect(new Set(accepted.map((a) => a.split('/')[0]))).toEqual(
        new Set([
          'Namespace',
          'RoleBinding',
          'ResourceQuota',
          'LimitRange',
          'NetworkPolicy',
          'ConfigMap',
          'Secret',
          'Service',
          'Ingress',
          'PodDisruptionBudget',
          'Deployment',
          'CronJob',
        ]),
      );
      // Dry run: nothing but the namespace was created.
      expect((await api.list(`/apis/apps/v1/namespaces/app-${app}/deployments`)).items).toEqual([]);
    } finally {
      await api.delete(`/api/v1/namespaces/app-${app}`);
    }
  });

  it('refuses a misspelt field instead of dropping it', async () => {
    const [namespace] = appManifests(templates, 'typo', { quota: DEFAULT_APP_QUOTA, builder: DEFAULT_BUILDER, installation: TEST_INSTALLATION });
    const typo = { ...namespace!, metadata: { ...namespace!.metadata, lables: { a: 'b' } } } as unknown as KubeObject;
    const error = await api.apply(typo, { dryRun: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesError);
    expect((error as KubernetesError).message).toMatch(/\.metadata\.lables: field not declared in schema/);
  });
});
