// The MCP endpoint over Streamable HTTP with the SDK's own client, against the real web app and pipeline (fake
// engine and build) and the stand-in Anthropic server: the tools an agent sees, create → describe (with progress
// notifications) → read files → publish → rollback, secrets never echoed, and the failures an agent must be able to
// read: no token (401), malformed arguments (a schema error), a failing tool (isError with the reason).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../../src/web/create-web-app.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { createFakePipeline, type FakePipeline } from '../../helpers/fake-pipeline.js';

const TOKEN = 'mcp-test-admin-token-0123456789abcdef';
let fp: FakePipeline;
let fake: FakeAnthropic;
let server: Server;
let base: string;
let client: Client;

const page = (title: string) => `<!doctype html>\n<html lang="en"><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n`;

async function connect(token: string): Promise<Client> {
  const c = new Client({ name: 'mcp-test', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return c;
}

async function call(name: string, args: Record<string, unknown>, onprogress?: (p: { progress: number; message?: string }) => void) {
  return (await client.callTool({ name, arguments: args }, undefined, onprogress ? { onprogress, timeout: 120_000 } : { timeout: 120_000 })) as CallToolResult;
}
const data = (r: CallToolResult) => r.structuredContent as any;
const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

beforeAll(async () => {
  fake = await startFakeAnthropic();
  fp = await createFakePipeline({
    env: { SLIPWAY_ADMIN_TOKEN: TOKEN, ANTHROPIC_API_KEY: 'sk-ant-test-0000', ANTHROPIC_BASE_URL: fake.url, SLIPWAY_ANTHROPIC_MAX_RETRIES: '0' },
  });
  server = createServer(createWebApp({ pipeline: fp.pipeline, hookSecret: 'unused-in-this-test', hookEnv: () => ({}) }).callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = await connect(TOKEN);
});

afterAll(async () => {
  await client?.close();
  await new Promise((resolve) => server?.close(resolve));
  await fp?.dispose();
  await fake?.close();
});

describe('MCP over Streamable HTTP', () => {
  it('lists every tool with a description and a schema; delete_app is marked destructive; resources are listed', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    for (const n of [
      'create_app',
      'delete_app',
      'describe_change',
      'get_app',
      'get_build_log',
      'get_deploy_log',
      'get_diff',
      'get_history',
      'get_runtime_logs',
      'list_apps',
      'list_releases',
      'publish',
      'release_plan',
      'rollback',
      'run_job',
      'set_secret',
    ])
      expect(names).toContain(n);
    for (const t of tools) {
      expect(t.description, t.name).toMatch(/^[A-Z].{20,260}$/);
      expect(t.inputSchema.type).toBe('object');
    }
    const del = tools.find((t) => t.name === 'delete_app')!;
    expect(del.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
    expect(del.inputSchema.required).toEqual(expect.arrayContaining(['app', 'confirm']));
    expect(tools.find((t) => t.name === 'list_apps')!.annotations?.readOnlyHint).toBe(true);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(
      expect.arrayContaining(['slipway://{app}/files/{+path}{?ref}', 'slipway://{app}/environments']),
    );
  });

  it('refuses a request without a valid token with 401, and GET with 405', async () => {
    const post = (auth?: string) =>
      fetch(`${base}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    for (const auth of [undefined, 'Bearer wrong-token', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`]) {
      const r = await post(auth);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toContain('Bearer');
      expect(await r.text()).not.toContain(TOKEN);
    }
    await expect(connect('wrong-token')).rejects.toThrow(/401|token/);
    const get = await fetch(`${base}/mcp`, { headers: { authorization: `Bearer ${TOKEN}`, accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const foreign = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        origin: 'https://evil.example',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(foreign.status).toBe(403);
  });

  it('create → describe with progress → read files → publish → second change → publish → rollback', { timeout: 120_000 }, async () => {
    const created = await call('create_app', { name: 'otters', template: 'static-site', description: 'All about otters' });
    expect(created.isError, text(created)).toBeFalsy();
    expect(data(created).preview).toMatchObject({ live: true, status: 'live' });
    const previewUrl = data(created).preview.url as string;
    expect(previewUrl).toMatch(/^http:\/\/otters-preview\.localhost/);
    expect(data(await call('list_apps', {})).apps.map((a: any) => a.name)).toContain('otters');

    fake.push(
      { blocks: [{ type: 'tool_use', name: 'write_file', input: { path: 'public/index.html', content: page('Otters') } }] },
      { blocks: [{ type: 'tool_use', name: 'finish', input: { summary: 'Make the home page about otters' } }] },
    );
    const progress: string[] = [];
    const described = await call('describe_change', { app: 'otters', request: 'Make the home page about otters' }, (p) => progress.push(p.message ?? ''));
    expect(described.isError, text(described)).toBeFalsy();
    const outcome = data(described);
    expect(outcome).toMatchObject({ status: 'live', live: true, previewUrl, files: ['public/index.html'], summary: 'Make the home page about otters' });
    expect(outcome.commit).toMatch(/^[0-9a-f]{40}$/);
    // Progress as it happened: the file, the commit, the build, the deploy, in that order.
    const at = (re: RegExp) => progress.findIndex((m) => re.test(m));
    expect(at(/^wrote public\/index\.html/)).toBeGreaterThanOrEqual(0);
    expect(at(/^wrote public\/index\.html/)).toBeLessThan(at(/^committed /));
    expect(at(/^committed /)).toBeLessThan(at(/^build succeeded/));
    expect(at(/^build succeeded/)).toBeLessThan(at(/^preview is live at/));
    expect(progress.at(-1)).toBe('done: live');

    const file = await client.readResource({ uri: 'slipway://otters/files/public/index.html?ref=main' });
    expect(file.contents[0]).toMatchObject({ mimeType: 'text/plain', text: page('Otters') });
    const atFirst = await client.readResource({ uri: `slipway://otters/files/public/index.html?ref=${outcome.commit}~1` }).catch((e: Error) => e);
    expect(String(atFirst)).toMatch(/not a commit, tag or branch/);
    const listing = JSON.parse(((await client.readResource({ uri: 'slipway://otters/files' })).contents[0] as { text: string }).text);
    expect(listing.files).toEqual(expect.arrayContaining(['public/index.html', 'Dockerfile']));
    const envs = JSON.parse(((await client.readResource({ uri: 'slipway://otters/environments' })).contents[0] as { text: string }).text);
    expect(envs.environments.find((e: any) => e.name === 'preview')).toMatchObject({ status: 'live', appliedCommit: outcome.commit });
    await expect(client.readResource({ uri: 'slipway://otters/files/public%2F..%2F..%2Fsecrets' })).rejects.toThrow(/not a path inside the app/);
    // A URI's own dot segments are resolved before Slipway sees it: this one names no resource at all.
    await expect(client.readResource({ uri: 'slipway://otters/files/../secrets' })).rejects.toThrow(/not found/);
    await expect(client.readResource({ uri: 'slipway://otters/files/nope.txt' })).rejects.toThrow(/has no file nope\.txt/);

    const history = data(await call('get_history', { app: 'otters' }));
    expect(history.commits[0]).toMatchObject({ sha: outcome.commit, byClaude: true, subject: 'Make the home page about otters' });
    const diff = data(await call('get_diff', { app: 'otters', commit: outcome.commit }));
    expect(diff.files).toEqual([expect.objectContaining({ path: 'public/index.html', status: 'modified' })]);
    expect(diff.patch.text).toContain('+<html lang="en"><head><title>Otters</title></head><body><h1>Otters</h1></body></html>');
    const buildLog = data(await call('get_build_log', { app: 'otters', commit: outcome.commit, lines: 5 }));
    expect(buildLog.build).toMatchObject({ commit: outcome.commit, status: 'succeeded' });
    expect(buildLog.build.logPath).toBeUndefined();
    expect(data(await call('get_deploy_log', { app: 'otters' })).deployment).toMatchObject({ commit: outcome.commit, status: 'live' });

    const plan = data(await call('release_plan', { app: 'otters', action: 'publish' }));
    expect(plan.plan).toMatchObject({ tag: 'v1', createsTag: true, blockers: [] });
    const v1 = await call('publish', { app: 'otters' });
    expect(v1.isError, text(v1)).toBeFalsy();
    expect(data(v1)).toMatchObject({
      action: 'publish',
      tag: 'v1',
      commit: outcome.commit,
      live: true,
      url: expect.stringMatching(/^http:\/\/otters\.localhost/),
    });

    fake.push({
      blocks: [
        { type: 'tool_use', name: 'write_file', input: { path: 'public/index.html', content: page('Sea otters') } },
        { type: 'tool_use', name: 'finish', input: { summary: 'Sea otters' } },
      ],
    });
    const second = data(await call('describe_change', { app: 'otters', request: 'Say sea otters' }));
    expect(second.live).toBe(true);
    expect(data(await call('publish', { app: 'otters' }))).toMatchObject({ tag: 'v2', commit: second.commit, live: true });
    const back = await call('rollback', { app: 'otters' });
    expect(data(back)).toMatchObject({ action: 'rollback', tag: 'v1', commit: outcome.commit, live: true });
    const releases = data(await call('list_releases', { app: 'otters' })).releases;
    expect(releases.map((r: any) => [r.tag, r.current])).toEqual([
      ['v2', false],
      ['v1', true],
    ]);
  });

  it('sets a secret without ever echoing its value', async () => {
    const secret = 's3cr3t-value-that-must-not-show';
    const r = await call('set_secret', { app: 'otters', environment: 'prod', name: 'OTTER_KEY', value: secret });
    expect(r.isError, text(r)).toBeFalsy();
    expect(JSON.stringify(r)).not.toContain(secret);
    expect(data(r)).toMatchObject({ name: 'OTTER_KEY', set: true, names: ['OTTER_KEY'] });
    const bad = await call('set_secret', { app: 'otters', name: '1BAD', value: secret });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad)).not.toContain(secret);
  });

  it('answers malformed arguments with a schema error and a failing tool with isError and the reason', async () => {
    const malformed = await call('create_app', { name: 42, template: 'static-site' });
    expect(malformed.isError).toBe(true);
    expect(text(malformed)).toMatch(/Input validation error.*name/s);
    const missing = await call('get_app', {});
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/Input validation error.*app/s);

    const nope = await call('get_app', { app: 'no-such-app' });
    expect(nope.isError).toBe(true);
    expect(text(nope)).toBe('NOT_FOUND: no app named no-such-app (list_apps shows the apps there are)');
    expect(data(nope)).toEqual({ error: { code: 'NOT_FOUND', message: 'no app named no-such-app (list_apps shows the apps there are)' } });
    const badName = await call('create_app', { name: 'Bad Name!', template: 'static-site' });
    expect(badName.isError).toBe(true);
    expect(text(badName)).toMatch(/^INVALID_APP_NAME: /);
    const badTemplate = await call('create_app', { name: 'fine', template: 'no-such-template' });
    expect(text(badTemplate)).toMatch(/^UNKNOWN_TEMPLATE: unknown template "no-such-template": choose one of /);
    const notConfirmed = await call('delete_app', { app: 'otters', confirm: 'yes' });
    expect(text(notConfirmed)).toMatch(/^INVALID_INPUT: confirm must be the app name "otters"/);
    expect(fp.store.apps.get('otters')).toBeDefined();
    // The server keeps serving after all of these.
    expect(data(await call('get_app', { app: 'otters' })).app.name).toBe('otters');
  });

  it('deletes an app for an admin who confirms it', async () => {
    await call('create_app', { name: 'gone', template: 'static-site', waitSeconds: 0 });
    const r = await call('delete_app', { app: 'gone', confirm: 'gone' });
    expect(r.isError, text(r)).toBeFalsy();
    expect(fp.store.apps.get('gone')).toBeUndefined();
  });
});
