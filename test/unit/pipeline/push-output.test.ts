// What a pusher reads when a push fails: the failure said once (the build's or the deployment's closing verdict is
// not relayed before the summary says it), and links to pages a person can open plus the CLI command for the log.
import { afterEach, describe, expect, it } from 'vitest';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';

let fp: FakePipeline | undefined;
afterEach(async () => {
  await fp?.dispose();
  fp = undefined;
});

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('the push output of a failure', () => {
  it('a broken build: Docker’s lines, then one FAILED line with the build page and `slipway logs --build`', async () => {
    fp = await createFakePipeline();
    const first = await fp.createApp('shop');
    fp.build.next({ fail: 'Step 3/5 : RUN pip install -r requirements.txt\nERROR: No matching distribution found for fastapi==99' });
    const push = await fp.push('shop');
    await push.done;
    const said = push.said.join('\n');
    const build = fp.store.builds.latestFor('shop', push.commit)!;
    expect(count(said, 'ERROR: No matching distribution found')).toBe(1);
    expect(push.said.filter((l) => /fail/i.test(l))).toHaveLength(1);
    expect(said).toMatch(new RegExp(`^preview deploy of ${push.commit.slice(0, 12)} FAILED: the build failed: `, 'm'));
    expect(push.said).toContain(`  build log: http://localhost:8080/apps/shop/builds/${build.id} (or: slipway logs shop --build ${build.id})`);
    expect(said).not.toContain('/api/');
    expect(push.said.at(-1)).toBe(`  preview still serves ${first.slice(0, 12)}`);
    // The log files keep their verdicts: the build page and `slipway logs` show how each step ended.
    expect(fp.store.deployments.list('shop').find((d) => d.commit === push.commit)?.status).toBe('failed');
  });

  it('an app that never gets healthy: the reason and the container’s last lines once, with the deployment page', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop');
    fp.runtime.next('deploy', { fail: 'never answered on /health within 30 s', logTail: 'ModuleNotFoundError: fastapi' });
    const push = await fp.push('shop');
    await push.done;
    const said = push.said.join('\n');
    const d = fp.store.deployments.list('shop').find((x) => x.commit === push.commit)!;
    expect(count(said, 'ModuleNotFoundError: fastapi')).toBe(1);
    expect(count(said, 'FAILED')).toBe(1);
    expect(said).not.toMatch(/^ {2}failed: /m);
    expect(push.said).toContain(`  deployment log: http://localhost:8080/apps/shop/deployments/${d.id} (or: slipway logs shop --deployment ${d.id})`);
  });

  it('-o async names the app page and the command that follows the build', async () => {
    fp = await createFakePipeline();
    await fp.createApp('shop');
    const push = await fp.push('shop', { pushOptions: ['async'] });
    await push.done;
    expect(push.said.at(-1)).toBe('async: not waiting for the build and deploy; follow them at http://localhost:8080/apps/shop or with: slipway logs shop -f');
  });
});
