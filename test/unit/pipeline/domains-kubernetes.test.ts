// On Kubernetes an environment's custom domains live in its Ingress, so adding or removing one redeploys what the
// environment runs (trigger `config`) with its domains; with Docker nothing is redeployed (the proxy reads the table).
import { afterEach, describe, expect, it } from 'vitest';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { createFakeRuntime } from '../../helpers/fake-runtime.js';

let fp: FakePipeline | undefined;
afterEach(async () => {
  await fp?.dispose();
  fp = undefined;
});

const configDeploys = (f: FakePipeline) => f.store.deployments.list('shop', 100).filter((d) => d.trigger === 'config');

describe('custom domains and the runtime', () => {
  it('on Kubernetes, redeploy the environment with its domains', async () => {
    fp = await createFakePipeline({ runtime: Object.assign(createFakeRuntime(), { kind: 'kubernetes' as const }) });
    await fp.createApp('shop', 'static-site');
    fp.pipeline.addDomain('shop', 'preview', 'shop.example.com');
    const [redeploy] = configDeploys(fp);
    expect(redeploy).toBeDefined();
    await fp.pass('shop');
    expect(fp.store.deployments.get(redeploy!.id)?.status).toBe('live');
    expect(fp.runtime.callsOf('deploy').at(-1)).toMatchObject({ environment: 'preview', domains: ['shop.example.com'], result: 'ok' });
    // Production has nothing deployed: its next deploy takes the domain; nothing is redeployed now.
    fp.pipeline.addDomain('shop', 'prod', 'www.example.com');
    expect(configDeploys(fp)).toHaveLength(1);
  });

  it('with Docker, redeploy nothing', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop', 'static-site');
    fp.pipeline.addDomain('shop', 'preview', 'shop.example.com');
    fp.pipeline.removeDomain('shop', 'shop.example.com');
    expect(configDeploys(fp)).toEqual([]);
  });
});
