// An app with no secrets and no plain variables, deployed again and again on the real control plane: its
// immutable, content-named ConfigMap and Secret hold `data: {}`, which the apiserver stores as no data, so a
// second server-side apply of the same manifest used to be refused as a change to an immutable field (422).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/runtime/runtime.js';
import { commitOf, lines, PREVIEW, testRuntime, uniqueApp, webSpec } from '../../helpers/k8s-cluster.js';

const app = uniqueApp('bare');
let runtime: Runtime;

beforeAll(() => {
  runtime = testRuntime();
});

afterAll(async () => {
  await runtime?.removeApp(app).catch(() => undefined);
});

const bare = (n: number) => webSpec(app, PREVIEW, commitOf(n), { secrets: {}, settings: { kind: 'web', port: 8080, healthPath: '/health', env: {} } });

describe('Kubernetes runtime: an app without secrets or variables', () => {
  it('deploys a second and a third push, and the same commit again', async () => {
    for (const n of [1, 2, 3, 3]) {
      const progress = lines();
      const result = await runtime.deploy(bare(n), progress.onLine);
      expect(result, progress.out.join('\n')).toMatchObject({ ok: true, instance: { commit: commitOf(n), state: 'live' } });
    }
  });

  it('gets its secret back after one is added and removed', async () => {
    const withSecret = await runtime.deploy({ ...bare(4), secrets: { TOKEN: 'x' } }, () => undefined);
    expect(withSecret.ok).toBe(true);
    const without = await runtime.deploy(bare(5), () => undefined);
    expect(without).toMatchObject({ ok: true, instance: { commit: commitOf(5) } });
  });
});
