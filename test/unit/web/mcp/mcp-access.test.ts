// Who may use which MCP tool: the API's own rule (src/domain/authorize.ts) for the app each call names. Tools only
// an admin may ever use are not listed to anyone else; a viewer reads but cannot publish; an app the principal has
// no role on is not found; calling a refused tool is a tool error, not a crash.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import type { Grant } from '../../../../src/domain/authorize.js';
import type { Pipeline } from '../../../../src/pipeline/create-pipeline.js';
import { createLogger } from '../../../../src/shared/log.js';
import { createMcpServer } from '../../../../src/web/mcp/create-mcp-server.js';
import { checkMayUseTool, mayUseTool } from '../../../../src/web/mcp/mcp-access.js';

const environments = [
  { name: 'preview', ref: 'refs/heads/main', host: '{app}-preview.{domain}' },
  { name: 'prod', ref: 'refs/heads/prod', host: '{app}.{domain}', releaseTags: 'v*' },
];
// Registering tools reads only the templates; no tool is run against this stand-in.
const read = {
  templates: [{ name: 'static-site', title: 'Static site' }],
  config: { environments },
  store: {
    generations: { get: (id: string) => (id === 'gen_1' ? { app: 'shop' } : undefined) },
    apps: { list: () => [{ name: 'shop' }, { name: 'other' }] },
  },
};
const pipeline = { read } as unknown as Pipeline;
const admin: Grant = { admin: true, roles: {}, onlyApp: null, scopes: [] };
const viewer: Grant = { admin: false, roles: { shop: 'viewer' }, onlyApp: null, scopes: [] };
const developer: Grant = { admin: false, roles: { shop: 'developer' }, onlyApp: null, scopes: [] };
const who = (grant: Grant) => ({ name: 'dana', grant, actor: { personId: 'per_1', name: 'dana', token: 't', address: null } });

async function clientFor(grant: Grant): Promise<Client> {
  const server = createMcpServer({ pipeline, principal: who(grant), log: createLogger('error') }, '0.0.0');
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: 'test', version: '0' });
  await client.connect(b);
  return client;
}

describe('MCP tool access', () => {
  it('lists create_app and delete_app to admins only', () => {
    expect(mayUseTool(who(admin), 'delete_app')).toBe(true);
    expect(mayUseTool(who(viewer), 'delete_app')).toBe(false);
    expect(mayUseTool(who(viewer), 'create_app')).toBe(false);
    expect(mayUseTool(who(viewer), 'publish')).toBe(true);
  });

  it('asks the API’s rule of each call: a viewer reads, a developer describes and sets preview secrets, neither publishes', () => {
    expect(() => checkMayUseTool(who(viewer), 'get_app', { app: 'shop' }, read as never)).not.toThrow();
    expect(() => checkMayUseTool(who(viewer), 'describe_change', { app: 'shop' }, read as never)).toThrow(/takes the developer role/);
    expect(() => checkMayUseTool(who(developer), 'describe_change', { app: 'shop' }, read as never)).not.toThrow();
    expect(() => checkMayUseTool(who(developer), 'set_secret', { app: 'shop', environment: 'preview' }, read as never)).not.toThrow();
    expect(() => checkMayUseTool(who(developer), 'set_secret', { app: 'shop', environment: 'prod' }, read as never)).toThrow(/releaser/);
    expect(() => checkMayUseTool(who(developer), 'publish', { app: 'shop' }, read as never)).toThrow(/publish or roll back this app takes the releaser role/);
    // An app with no role on it does not exist for this principal; a generation names its app.
    expect(() => checkMayUseTool(who(developer), 'get_app', { app: 'other' }, read as never)).toThrow(/no app named other/);
    expect(() => checkMayUseTool(who(viewer), 'get_generation', { generationId: 'gen_1' }, read as never)).not.toThrow();
    expect(() => checkMayUseTool(who(viewer), 'get_generation', { generationId: 'gen_9' }, read as never)).toThrow(/no such generation/);
  });

  it('does not list delete_app to a non-admin, and calling it anyway or publishing as a viewer is a tool error', async () => {
    expect((await (await clientFor(admin)).listTools()).tools.map((t) => t.name)).toContain('delete_app');
    const client = await clientFor(viewer);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('delete_app');
    expect(names).toContain('list_apps');
    const deleted = (await client.callTool({ name: 'delete_app', arguments: { app: 'shop', confirm: 'shop' } })) as CallToolResult;
    expect(deleted.isError).toBe(true);
    expect(JSON.stringify(deleted.content)).toContain('delete_app not found');
    const published = (await client.callTool({ name: 'publish', arguments: { app: 'shop' } })) as CallToolResult;
    expect(published.isError).toBe(true);
    expect(JSON.stringify(published.content)).toContain('FORBIDDEN');
  });

  it('lists and reads resources of the principal’s apps only', async () => {
    const client = await clientFor(developer);
    const uris = (await client.listResources()).resources.map((r) => r.uri);
    expect(uris).toEqual(['slipway://shop/environments', 'slipway://shop/files']);
    await expect(client.readResource({ uri: 'slipway://other/environments' })).rejects.toThrow(/no app named other/);
  });
});
