// Two Slipway installations on one cluster: an app's namespace `app-APP` belongs to the installation that made
// it. Another installation's deploy of the same app name, or of a namespace someone made by hand, is refused with
// a clear error that needs a person; nothing is adopted, relabelled or deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeApi, KubeObject } from '../../../src/runtime/kubernetes/kube-api.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import { adminApi, commitOf, PREVIEW, TEST_INSTALLATION, testRuntime, uniqueApp, webSpec } from '../../helpers/k8s-cluster.js';

const shared = uniqueApp('owned');
const handMade = uniqueApp('hand');
const legacy = uniqueApp('legacy');
let api: KubeApi;
let ours: Runtime;
let theirs: Runtime;

const labelsOf = async (app: string) => (await api.get<KubeObject>(`/api/v1/namespaces/app-${app}`)).metadata.labels ?? {};

beforeAll(() => {
  api = adminApi();
  ours = testRuntime();
  theirs = testRuntime({ installation: 'otherinstallation' });
});

afterAll(async () => {
  for (const app of [shared, handMade, legacy]) await api.delete(`/api/v1/namespaces/app-${app}`).catch(() => undefined);
});

describe('an app namespace of another installation', () => {
  it("is refused to the second installation's deploy and removeApp, and the first keeps serving", async () => {
    expect((await ours.deploy(webSpec(shared, PREVIEW, commitOf(1)), () => undefined)).ok).toBe(true);

    const refused = theirs.deploy(webSpec(shared, PREVIEW, commitOf(2)), () => undefined);
    await expect(refused).rejects.toThrow(
      `namespace app-${shared} cannot be used: it belongs to another Slipway installation (slipway.dev/installation=${TEST_INSTALLATION}, this one is otherinstallation)`,
    );
    await expect(refused).rejects.toMatchObject({ code: 'KUBERNETES', needsPerson: true });
    await expect(theirs.removeApp(shared)).rejects.toThrow(/belongs to another Slipway installation/);
    // Not even read: what the other installation runs is not this one's to show or converge.
    await expect(theirs.current(shared)).rejects.toThrow(/belongs to another Slipway installation/);
    await expect(async () => {
      for await (const _ of theirs.logs(shared, 'preview', { tail: 5, follow: false })) void _;
    }).rejects.toThrow(/belongs to another Slipway installation/);

    expect(await labelsOf(shared)).toMatchObject({ 'slipway.dev/installation': TEST_INSTALLATION });
    expect((await ours.current(shared)).map((i) => `${i.environment}:${i.commit.slice(0, 2)}`)).toEqual(['preview:01']);
  });

  it('is refused when someone made it by hand, and left as it was', async () => {
    await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `app-${handMade}`, labels: { team: 'web' } } });
    await expect(ours.deploy(webSpec(handMade, PREVIEW, commitOf(1)), () => undefined)).rejects.toThrow(
      new RegExp(`namespace app-${handMade} cannot be used: it was not made by Slipway for app ${handMade}`),
    );
    expect(await labelsOf(handMade)).toEqual({ team: 'web', 'kubernetes.io/metadata.name': `app-${handMade}` });
  });

  it('without an installation label (made before namespaces were labelled) stays the app of whoever deploys it next, and is labelled', async () => {
    await api.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: `app-${legacy}`, labels: { 'app.kubernetes.io/managed-by': 'slipway', 'slipway.dev/app': legacy } },
    });
    expect((await ours.deploy(webSpec(legacy, PREVIEW, commitOf(1)), () => undefined)).ok).toBe(true);
    expect(await labelsOf(legacy)).toMatchObject({ 'slipway.dev/installation': TEST_INSTALLATION });
    await expect(theirs.deploy(webSpec(legacy, PREVIEW, commitOf(2)), () => undefined)).rejects.toThrow(/belongs to another Slipway installation/);
  });
});
