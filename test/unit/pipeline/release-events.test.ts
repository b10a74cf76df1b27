// The pipeline events webhooks follow that did not exist before: `release` for every move of production (publish
// and rollback from Slipway, a pushed release tag, a push to `prod` forward or back), and `generation-finished`
// when a generation's stream ends.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { repoPath } from '../../../src/git/repo-path.js';
import type { PipelineEvent } from '../../../src/pipeline/pipeline-events.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';

let fp: FakePipeline | undefined;
let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await fp?.dispose();
  await fake?.close();
  fp = undefined;
  fake = undefined;
});

const ZERO = '0'.repeat(40);

function record(f: FakePipeline, type: PipelineEvent['type']): PipelineEvent[] {
  const seen: PipelineEvent[] = [];
  f.pipeline.read.events.subscribe('*', (e) => void (e.type === type && seen.push(e)));
  return seen;
}

describe('release events', () => {
  it('publish and rollback from Slipway, a pushed tag and a push to prod each announce the move once', async () => {
    fp = await createFakePipeline();
    const first = await fp.createApp('shop');
    const releases = record(fp, 'release');
    const v1 = await fp.pipeline.publish('shop', { by: 'rita' });
    expect(releases).toEqual([
      {
        type: 'release',
        app: 'shop',
        action: 'publish',
        environment: 'prod',
        commit: first,
        previousCommit: null,
        tag: 'v1',
        by: 'rita',
        deploymentId: v1.deployment.id,
      },
    ]);

    const push = await fp.push('shop');
    await push.done;
    await fp.pipeline.publish('shop', { by: 'rita' });
    const back = await fp.pipeline.rollback('shop', { by: 'sam' });
    expect(releases.slice(1).map((e) => e.type === 'release' && [e.action, e.tag, e.commit, e.by])).toEqual([
      ['publish', 'v2', push.commit, 'rita'],
      ['rollback', 'v1', first, 'sam'],
    ]);
    expect(releases.at(-1)).toMatchObject({ previousCommit: push.commit, deploymentId: back.deployment.id });

    // A pushed release tag: published when the pass applies it.
    const gitdir = repoPath(fp.dataDir, 'shop');
    execFileSync('git', ['--git-dir', gitdir, 'update-ref', 'refs/tags/v3', push.commit]);
    await fp.pipeline.postReceive(
      { app: 'shop', updates: [{ ref: 'refs/tags/v3', oldSha: ZERO, newSha: push.commit }], pushOptions: [], pusher: 'ci' },
      () => undefined,
    );
    expect(releases.at(-1)).toMatchObject({ action: 'publish', tag: 'v3', commit: push.commit, by: 'ci' });

    // git push -f origin v1:prod: production goes back.
    execFileSync('git', ['--git-dir', gitdir, 'update-ref', 'refs/heads/prod', first, push.commit]);
    await fp.pipeline.postReceive(
      { app: 'shop', updates: [{ ref: 'refs/heads/prod', oldSha: push.commit, newSha: first }], pushOptions: [], pusher: 'ops' },
      () => undefined,
    );
    expect(releases.at(-1)).toMatchObject({ action: 'rollback', tag: null, commit: first, by: 'ops' });
    expect(releases).toHaveLength(5);

    // Pushes to main move no production: no release event.
    await (
      await fp.push('shop')
    ).done;
    expect(releases).toHaveLength(5);
  });
});

describe('generation-finished', () => {
  it('is emitted once when a generation ends, with its commit, summary and preview URL', async () => {
    fake = await startFakeAnthropic([
      { blocks: [{ type: 'tool_use', name: 'write_file', input: { path: 'public/index.html', content: '<h1>Otters</h1>\n' } }] },
      { blocks: [{ type: 'tool_use', name: 'finish', input: { summary: 'Make the home page about otters' } }] },
    ]);
    fp = await createFakePipeline({ env: { ANTHROPIC_API_KEY: 'sk-ant-test-0000000000', ANTHROPIC_BASE_URL: fake.url, SLIPWAY_ANTHROPIC_MAX_RETRIES: '0' } });
    await fp.createApp('site', 'static-site');
    const finished = record(fp, 'generation-finished');
    const gen = fp.pipeline.generate('site', 'Make the home page about otters', 'rita');
    const deadline = Date.now() + 30_000;
    while (finished.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const commit = fp.store.generations.get(gen.id)?.commit;
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(finished).toEqual([
      {
        type: 'generation-finished',
        app: 'site',
        generationId: gen.id,
        status: 'live',
        commit,
        summary: 'Make the home page about otters',
        url: 'http://site-preview.localhost:8080/',
      },
    ]);
  });
});
