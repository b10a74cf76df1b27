// A scheduled job on the real control plane: a CronJob with slipway.yaml's schedule, and a run now.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeApi } from '../../../src/runtime/kubernetes/kube-api.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import { adminApi, commitOf, jobSpec, lines, PREVIEW, PROD, testRuntime, uniqueApp, webSpec } from '../../helpers/k8s-cluster.js';

const app = uniqueApp('job');
const ns = `app-${app}`;
let api: KubeApi;
let runtime: Runtime;

beforeAll(() => {
  api = adminApi();
  runtime = testRuntime();
});

afterAll(async () => {
  await runtime?.removeApp(app).catch(() => undefined);
});

describe('Kubernetes runtime: a scheduled job', () => {
  it('becomes a CronJob with the schedule from slipway.yaml, and no Deployment', async () => {
    const result = await runtime.deploy(jobSpec(app, PREVIEW, commitOf(9)), () => undefined);
    expect(result).toMatchObject({ ok: true, instance: { environment: 'preview', commit: commitOf(9), state: 'live' } });
    const cron = await api.get<{ spec: { schedule: string; timeZone: string; concurrencyPolicy: string } }>(`/apis/batch/v1/namespaces/${ns}/cronjobs/preview`);
    expect(cron.spec).toMatchObject({ schedule: '*/5 * * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    expect((await api.list(`/apis/apps/v1/namespaces/${ns}/deployments`)).items).toEqual([]);
    expect((await api.list(`/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`)).items).toEqual([]);
    expect((await runtime.current(app)).map((i) => [i.environment, i.commit])).toEqual([['preview', commitOf(9)]]);
  });

  it('refuses a job without a schedule', async () => {
    const spec = jobSpec(app, PREVIEW, commitOf(9));
    const { schedule: _, ...settings } = spec.settings;
    expect(await runtime.deploy({ ...spec, settings }, () => undefined)).toMatchObject({
      ok: false,
      reason: 'a scheduled job needs a schedule in slipway.yaml',
    });
  });

  it("runs the job once now, from the CronJob's template, and returns its exit code and log", async () => {
    const progress = lines();
    const run = await runtime.runJob(jobSpec(app, PREVIEW, commitOf(9)), progress.onLine);
    expect(run.exitCode).toBe(0);
    expect(run.logTail).toContain('slipway test pod started');
    expect(progress.out.join('\n')).toMatch(/job preview-run-.*: completed/);
    const jobs = await api.list<{ metadata: { labels: Record<string, string> } }>(`/apis/batch/v1/namespaces/${ns}/jobs`);
    expect(jobs.items[0]?.metadata.labels).toMatchObject({ 'slipway.dev/app': app, 'slipway.dev/commit': commitOf(9) });
    const got: string[] = [];
    for await (const line of runtime.logs(app, 'preview', { tail: 5, follow: false })) got.push(line);
    expect(got).toContain('listening on :8080');
  });

  it('an environment that turns from web app into scheduled job keeps nothing of the web app', async () => {
    expect((await runtime.deploy(webSpec(app, PROD, commitOf(8)), () => undefined)).ok).toBe(true);
    expect((await runtime.deploy(jobSpec(app, PROD, commitOf(9)), () => undefined)).ok).toBe(true);
    for (const path of [
      `/apis/apps/v1/namespaces/${ns}/deployments`,
      `/api/v1/namespaces/${ns}/services`,
      `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`,
    ]) {
      expect(
        (await api.list<{ metadata: { deletionTimestamp?: string } }>(path)).items.filter((i) => !i.metadata.deletionTimestamp),
        path,
      ).toEqual([]);
    }
    expect((await runtime.current(app)).map((i) => i.environment).sort()).toEqual(['preview', 'prod']);
  });
});
