// The server's log of the pipeline: a line per step a person watching `npm start` follows, with the ids to look up.
import { describe, expect, it } from 'vitest';
import { logPipelineEvents } from '../../../src/pipeline/log-pipeline-events.js';
import { createPipelineEvents } from '../../../src/pipeline/pipeline-events.js';
import { createLogger } from '../../../src/shared/log.js';

const commit = '0123456789abcdef0123456789abcdef01234567';
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

function setUp(format: 'pretty' | 'json' = 'json') {
  const lines: string[] = [];
  const events = createPipelineEvents();
  const store = {
    builds: { get: (id: string) => (id === 'bld_1' ? { startedAt: ago(4200), createdAt: ago(5000) } : undefined) },
    deployments: { get: (id: string) => (id === 'dep_1' ? { trigger: 'publish', createdAt: ago(9000) } : undefined) },
    generations: {
      get: (id: string) =>
        id === 'gen_1'
          ? { status: 'committed', requestedBy: 'ana', commit, files: ['a.py', 'b.py'], createdAt: ago(30_000), error: null }
          : { status: 'running' },
    },
  } as never;
  const stop = logPipelineEvents({ events, store, log: createLogger('info', 'slipway', (l) => void lines.push(l), format).child('pipeline') });
  return { lines, events, stop, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('the pipeline’s log', () => {
  it('says a build started and finished, with its duration', () => {
    const { events, json } = setUp();
    events.emit({ type: 'build', app: 'shop', buildId: 'bld_1', commit, status: 'building' });
    events.emit({ type: 'build-line', app: 'shop', buildId: 'bld_1', line: 'Step 1/5' });
    events.emit({ type: 'build', app: 'shop', buildId: 'bld_1', commit, status: 'succeeded' });
    const [started, finished, ...rest] = json();
    expect(rest).toEqual([]);
    expect(started).toMatchObject({ level: 'info', scope: 'slipway:pipeline', msg: 'build started', app: 'shop', commit: commit.slice(0, 12), build: 'bld_1' });
    expect(finished).toMatchObject({ msg: 'build finished', app: 'shop', build: 'bld_1' });
    expect(finished!['durationMs']).toBeGreaterThanOrEqual(4200);
    expect(finished!['durationMs']).toBeLessThan(60_000);
  });

  it('says why a build failed, at warn', () => {
    const { events, json } = setUp();
    events.emit({ type: 'build', app: 'shop', buildId: 'bld_2', commit, status: 'failed', error: 'the Dockerfile has no FROM' });
    expect(json()).toEqual([expect.objectContaining({ level: 'warn', msg: 'build failed', error: 'the Dockerfile has no FROM' })]);
  });

  it('says a publish went live, with the environment, the trigger and the URL; a failed deploy with its reason', () => {
    const { events, json } = setUp();
    events.emit({ type: 'deployment', app: 'shop', deploymentId: 'dep_1', environment: 'prod', commit, status: 'building' });
    events.emit({ type: 'deployment', app: 'shop', deploymentId: 'dep_1', environment: 'prod', commit, status: 'deploying' });
    events.emit({ type: 'deployment', app: 'shop', deploymentId: 'dep_1', environment: 'prod', commit, status: 'live', url: 'http://shop.localhost/' });
    events.emit({ type: 'deployment', app: 'shop', deploymentId: 'dep_9', environment: 'preview', commit, status: 'failed', reason: 'health check failed' });
    const lines = json();
    expect(lines.map((l) => l['msg'])).toEqual(['deployment asked for (publish)', 'prod is live', 'preview deploy failed']);
    expect(lines[1]).toMatchObject({ environment: 'prod', trigger: 'publish', url: 'http://shop.localhost/', deployment: 'dep_1' });
    expect(lines[1]!['durationMs']).toBeGreaterThanOrEqual(9000);
    expect(lines[2]).toMatchObject({ level: 'warn', reason: 'health check failed' });
  });

  it('says a generation committed once, not at every line it streams; and a failed scheduled job', () => {
    const { events, json } = setUp();
    events.emit({ type: 'generation', app: 'shop', generationId: 'gen_0', seq: 3 });
    events.emit({ type: 'generation', app: 'shop', generationId: 'gen_1', seq: 9 });
    events.emit({ type: 'generation', app: 'shop', generationId: 'gen_1', seq: 10 });
    events.emit({ type: 'job-run', app: 'shop', runId: 'run_1', status: 'failed', exitCode: 2 });
    expect(json()).toEqual([
      expect.objectContaining({ msg: 'generation committed', generation: 'gen_1', by: 'ana', files: 2, commit: commit.slice(0, 12) }),
      expect.objectContaining({ level: 'warn', msg: 'job run failed', run: 'run_1', exitCode: 2 }),
    ]);
  });

  it('reads as one line a step in the pretty format, and stops when told', () => {
    const { events, lines, stop } = setUp('pretty');
    events.emit({ type: 'build', app: 'shop', buildId: 'bld_1', commit, status: 'building' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: \[slipway:pipeline\] build started \{"app":"shop","commit":"0123456789ab","build":"bld_1"\}\n$/,
    );
    stop();
    events.emit({ type: 'build', app: 'shop', buildId: 'bld_1', commit, status: 'succeeded' });
    expect(lines).toHaveLength(1);
  });
});
