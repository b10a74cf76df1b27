import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readDockerProgress, type DockerProgressEvent } from '../../../src/build/read-docker-progress.js';

describe('readDockerProgress', () => {
  it('parses JSON lines split anywhere, even inside a UTF-8 character, and keeps non-JSON text', async () => {
    const s = new PassThrough();
    const events: DockerProgressEvent[] = [];
    const done = readDockerProgress(s, (e) => events.push(e));
    const body = Buffer.from(
      '{"stream":"Step 1/1 : FROM x"}\r\n{"stream":"caf\u00e9 \u2713\\n"}\nnot json\n{"errorDetail":{"code":3,"message":"boom"},"error":"boom"}',
    );
    for (let i = 0; i < body.length; i += 5) s.write(body.subarray(i, i + 5));
    s.end();
    await done;
    expect(events).toEqual([
      { stream: 'Step 1/1 : FROM x' },
      { stream: 'café ✓\n' },
      { stream: 'not json\n' },
      { errorDetail: { code: 3, message: 'boom' }, error: 'boom' },
    ]);
  });

  it('rejects when the stream breaks, and stops reading when aborted', async () => {
    const broken = new PassThrough();
    const a = readDockerProgress(broken, () => undefined);
    broken.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    await expect(a).rejects.toMatchObject({ code: 'ECONNRESET' });

    const open = new PassThrough();
    const controller = new AbortController();
    const b = readDockerProgress(open, () => undefined, controller.signal);
    open.write('{"stream":"x"}\n');
    controller.abort(new Error('cancelled by test'));
    await expect(b).rejects.toThrow('cancelled by test');
  });
});
