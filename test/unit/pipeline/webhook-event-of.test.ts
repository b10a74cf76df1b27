// Which pipeline events become webhook events and what their data says (no paths, reasons cut and redacted).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import type { PipelineEvent } from '../../../src/pipeline/pipeline-events.js';
import { webhookEventOf } from '../../../src/pipeline/webhook-event-of.js';

const config = loadConfig({ SLIPWAY_DOMAIN: 'apps.example.net', SLIPWAY_PUBLIC_URL: 'https://slipway.example.net', SLIPWAY_DATA_DIR: '/tmp/unused' });
const of = (e: PipelineEvent) => webhookEventOf(e, config);

describe('webhookEventOf', () => {
  it('delivers failures, live deployments, releases, finished generations and failed job runs', () => {
    expect(of({ type: 'build', app: 'shop', buildId: 'b1', commit: 'c1', status: 'failed', error: 'npm ci failed' })).toEqual({
      type: 'build.failed',
      app: 'shop',
      data: {
        buildId: 'b1',
        commit: 'c1',
        error: 'npm ci failed',
        logUrl: 'https://slipway.example.net/api/builds/b1/log',
        appUrl: 'https://slipway.example.net/apps/shop',
      },
    });
    expect(
      of({
        type: 'deployment',
        app: 'shop',
        deploymentId: 'd1',
        environment: 'preview',
        commit: 'c1',
        status: 'live',
        url: 'https://shop-preview.apps.example.net/',
      }),
    ).toMatchObject({
      type: 'deployment.live',
      data: { environment: 'preview', url: 'https://shop-preview.apps.example.net/' },
    });
    expect(
      of({ type: 'deployment', app: 'shop', deploymentId: 'd1', environment: 'prod', commit: 'c1', status: 'failed', reason: 'never healthy' }),
    ).toMatchObject({
      type: 'deployment.failed',
      data: { reason: 'never healthy', logUrl: 'https://slipway.example.net/api/deployments/d1/log' },
    });
    const release = {
      type: 'release',
      app: 'shop',
      environment: 'prod',
      commit: 'c2',
      previousCommit: 'c1',
      tag: 'v2',
      by: 'rita',
      deploymentId: 'd2',
    } as const;
    expect(of({ ...release, action: 'publish' })).toMatchObject({
      type: 'release.published',
      data: { tag: 'v2', by: 'rita', url: 'https://shop.apps.example.net/' },
    });
    expect(of({ ...release, action: 'rollback' })).toMatchObject({ type: 'release.rolled_back', data: { previousCommit: 'c1' } });
    expect(
      of({ type: 'generation-finished', app: 'shop', generationId: 'g1', status: 'live', commit: 'c3', summary: 'Add a page', url: 'https://x/' }),
    ).toMatchObject({
      type: 'generation.finished',
      data: { generationId: 'g1', status: 'live', commit: 'c3', summary: 'Add a page', url: 'https://x/', message: null },
    });
    expect(of({ type: 'job-run', app: 'cron', runId: 'r1', status: 'failed', exitCode: 2, trigger: 'schedule' })).toMatchObject({
      type: 'job.failed',
      data: { runId: 'r1', exitCode: 2, trigger: 'schedule' },
    });
  });

  it('leaves out progress and success that no hook subscribes to', () => {
    const quiet: PipelineEvent[] = [
      { type: 'build', app: 'a', buildId: 'b', commit: 'c', status: 'building' },
      { type: 'build', app: 'a', buildId: 'b', commit: 'c', status: 'succeeded' },
      { type: 'build-line', app: 'a', buildId: 'b', line: 'x' },
      { type: 'deployment', app: 'a', deploymentId: 'd', environment: 'preview', commit: 'c', status: 'deploying' },
      { type: 'deployment', app: 'a', deploymentId: 'd', environment: 'preview', commit: 'c', status: 'superseded' },
      { type: 'job-run', app: 'a', runId: 'r', status: 'succeeded', exitCode: 0 },
      { type: 'generation', app: 'a', generationId: 'g', seq: 3 },
      { type: 'domain', app: 'a', environment: 'prod', domain: 'x.example.com', change: 'added' },
    ];
    for (const e of quiet) expect(of(e), e.type).toBeNull();
  });

  it('cuts long reasons and redacts secrets in them', () => {
    const e = of({
      type: 'deployment',
      app: 'a',
      deploymentId: 'd',
      environment: 'prod',
      commit: 'c',
      status: 'failed',
      reason: `token slw_abcdefghijklmnop ${'x'.repeat(5000)}`,
    });
    const reason = (e!.data as { reason: string }).reason;
    expect(reason.length).toBeLessThan(2100);
    expect(reason).not.toContain('slw_abcdefghijklmnop');
  });
});
