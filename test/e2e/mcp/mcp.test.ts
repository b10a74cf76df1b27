// An agent's session through MCP, end to end: the SDK's own client, over Streamable HTTP and over stdio (`slipway
// mcp` from dist/, relaying to the server), against the real server with the Docker runtime and the stand-in
// Anthropic server. It creates an app, describes a change and receives progress notifications, reads the preview
// URL and fetches the page through Slipway's proxy on 127.0.0.1, publishes, and rolls back.
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getViaProxy } from '../../helpers/app-http.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let server: TestServer;
let fake: FakeAnthropic;
const clients: Client[] = [];
const MAIN = join(import.meta.dirname, '..', '..', '..', 'dist', 'src', 'main.js');

const page = (title: string) => `<!doctype html>\n<html lang="en"><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n`;
const writePage = (title: string) => ({
  blocks: [
    { type: 'tool_use' as const, name: 'write_file', input: { path: 'public/index.html', content: page(title) } },
    { type: 'tool_use' as const, name: 'finish', input: { summary: `Home page: ${title}` } },
  ],
});

async function httpClient(token: string): Promise<Client> {
  const c = new Client({ name: 'e2e-agent', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  clients.push(c);
  return c;
}

async function stdioClient(token: string): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MAIN, 'mcp'],
    env: { PATH: process.env.PATH ?? '', SLIPWAY_URL: server.url, SLIPWAY_TOKEN: token },
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const c = new Client({ name: 'e2e-desktop', version: '1.0.0' });
  await c.connect(transport);
  clients.push(c);
  return { client: c, stderr: () => err };
}

async function call(c: Client, name: string, args: Record<string, unknown>, progress?: string[]): Promise<any> {
  const r = (await c.callTool({ name, arguments: args }, undefined, {
    timeout: 240_000,
    resetTimeoutOnProgress: true,
    ...(progress ? { onprogress: (p: { message?: string }) => void progress.push(p.message ?? '') } : {}),
  })) as CallToolResult;
  expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
  return r.structuredContent;
}

beforeAll(async () => {
  fake = await startFakeAnthropic();
  server = await startTestServer({ ANTHROPIC_API_KEY: 'sk-ant-test-0000000000', ANTHROPIC_BASE_URL: fake.url, SLIPWAY_ANTHROPIC_MAX_RETRIES: '0' });
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await server?.stop();
  await fake?.close();
});

describe('an agent drives Slipway through MCP', () => {
  it('over HTTP: create, describe with progress, preview through the proxy, publish, change again, publish, roll back', { timeout: 600_000 }, async () => {
    const agent = await httpClient(server.token);
    const app = 'mcp-otters';
    const created = await call(agent, 'create_app', { name: app, template: 'static-site', description: 'Otters' });
    expect(created.preview).toMatchObject({ live: true });
    const previewHost = `${app}-preview.localhost`;
    expect(created.preview.url).toBe(`http://${previewHost}:${server.port}/`);

    fake.push(writePage('Otters'));
    const progress: string[] = [];
    const first = await call(agent, 'describe_change', { app, request: 'Make the home page about otters' }, progress);
    expect(first).toMatchObject({ status: 'live', live: true, previewUrl: created.preview.url, files: ['public/index.html'] });
    expect(progress).toEqual(
      expect.arrayContaining(['wrote public/index.html (' + Buffer.byteLength(page('Otters')) + ' bytes)', 'build succeeded', 'done: live']),
    );
    expect(progress.some((m) => m.startsWith(`committed ${first.commit.slice(0, 12)}`))).toBe(true);
    expect((await getViaProxy(server.port, previewHost)).body).toContain('<h1>Otters</h1>');

    const v1 = await call(agent, 'publish', { app });
    expect(v1).toMatchObject({ tag: 'v1', commit: first.commit, live: true, url: `http://${app}.localhost:${server.port}/` });
    expect((await getViaProxy(server.port, `${app}.localhost`)).body).toContain('<h1>Otters</h1>');

    fake.push(writePage('Sea otters'));
    const second = await call(agent, 'describe_change', { app, request: 'Sea otters instead' });
    expect(second.live).toBe(true);
    expect(await call(agent, 'release_plan', { app, action: 'publish' })).toMatchObject({
      plan: { tag: 'v2', to: { commit: second.commit }, totals: { files: 1 }, blockers: [] },
    });
    expect(await call(agent, 'publish', { app })).toMatchObject({ tag: 'v2', live: true });
    expect((await getViaProxy(server.port, `${app}.localhost`)).body).toContain('<h1>Sea otters</h1>');

    expect(await call(agent, 'rollback', { app })).toMatchObject({ action: 'rollback', tag: 'v1', commit: first.commit, live: true });
    expect((await getViaProxy(server.port, `${app}.localhost`)).body).toContain('<h1>Otters</h1>');
    // Preview keeps what main has; the runtime's own log is readable.
    expect((await getViaProxy(server.port, previewHost)).body).toContain('<h1>Sea otters</h1>');
    const logs = await call(agent, 'get_runtime_logs', { app, environment: 'prod', lines: 50 });
    expect(logs.environment).toBe('prod');
  });

  it('over stdio (`slipway mcp`): the same tools, progress relayed, and a bad token is a clear error', { timeout: 300_000 }, async () => {
    const { client } = await stdioClient(server.token);
    const app = 'mcp-otters';
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['describe_change', 'publish', 'rollback', 'delete_app']));
    expect((await call(client, 'get_app', { app })).environments.map((e: any) => [e.name, e.release])).toEqual([
      // Preview runs main's head (the commit v2 tagged); production was rolled back to v1.
      ['preview', 'v2'],
      ['prod', 'v1'],
    ]);
    fake.push(writePage('River otters'));
    const progress: string[] = [];
    const third = await call(client, 'describe_change', { app, request: 'River otters' }, progress);
    expect(third.live).toBe(true);
    expect(progress).toEqual(expect.arrayContaining(['wrote public/index.html (' + Buffer.byteLength(page('River otters')) + ' bytes)', 'done: live']));
    expect((await getViaProxy(server.port, `${app}-preview.localhost`)).body).toContain('<h1>River otters</h1>');
    const file = await client.readResource({ uri: `slipway://${app}/files/public/index.html?ref=v1` });
    expect(file.contents[0]).toMatchObject({ text: page('Otters') });

    const wrong = await stdioClient('not-a-token').catch((e: Error) => e);
    expect(String(wrong)).toMatch(/did not take the request \(HTTP 401\): .*a valid token is required, in an Authorization header with the Bearer scheme/);
    expect(String(wrong)).not.toContain('not-a-token');
  });
});
