// A long finished build log as an event stream: read from disk in chunks (never whole), every line in order, a
// line with multi-byte characters cut between two chunks put back together, then `end`.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../../src/web/create-web-app.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';
import { readSse } from '../../helpers/read-sse.js';

const TOKEN = 'log-stream-test-admin-token-0123456789';
let fp: FakePipeline;
let server: Server;
let base: string;

beforeAll(async () => {
  fp = await createFakePipeline({ env: { SLIPWAY_ADMIN_TOKEN: TOKEN } });
  server = createServer(createWebApp({ pipeline: fp.pipeline, hookSecret: 'unused', hookEnv: () => ({}) }).callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await fp?.dispose();
});

describe('a build log of several megabytes as SSE', () => {
  it('arrives whole and in order, multi-byte characters included', { timeout: 60_000 }, async () => {
    await fp.createApp('big');
    const push = await fp.push('big');
    await push.done;
    const build = fp.store.builds.latestFor('big', push.commit)!;
    // 40,000 lines of ~100 bytes (4 MB); "é" (two bytes) straddles many 64 KiB chunk edges.
    const lines = Array.from({ length: 40_000 }, (_, i) => `${String(i).padStart(6, '0')} ${'é'.repeat(46)}`);
    writeFileSync(build.logPath, `${lines.join('\n')}\n`);
    const events = await readSse(`${base}/api/builds/${build.id}/log`, TOKEN, { until: 'end', timeoutMs: 50_000 });
    const got = events.filter((e) => e.event === 'line').map((e) => (e.data as { line: string }).line);
    expect(got.length).toBe(lines.length);
    expect(got).toEqual(lines);
    expect(events.at(-1)).toMatchObject({ event: 'end', data: { lines: lines.length } });
  });
});
