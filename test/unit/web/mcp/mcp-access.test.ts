// Who may use which MCP tool: admins get delete_app; any other role (issue 15's, once tokens have roles) does not
// see it listed, and calling it by name is a tool error, not a crash.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import type { Pipeline } from '../../../../src/pipeline/create-pipeline.js';
import { createLogger } from '../../../../src/shared/log.js';
import { createMcpServer } from '../../../../src/web/mcp/create-mcp-server.js';
import { checkMayUseTool, mayUseTool } from '../../../../src/web/mcp/mcp-access.js';

// Registering tools reads only the templates; no tool is run against this stand-in.
const pipeline = { read: { templates: [{ name: 'static-site', title: 'Static site' }] } } as unknown as Pipeline;

async function clientFor(role: string): Promise<Client> {
  const server = createMcpServer({ pipeline, principal: { name: 'someone', role }, log: createLogger('error') }, '0.0.0');
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: 'test', version: '0' });
  await client.connect(b);
  return client;
}

describe('MCP tool access', () => {
  it('lets admins use every tool and keeps delete_app from other roles', () => {
    expect(mayUseTool({ name: 'a', role: 'admin' }, 'delete_app')).toBe(true);
    expect(mayUseTool({ name: 'v', role: 'viewer' }, 'delete_app')).toBe(false);
    expect(mayUseTool({ name: 'v', role: 'viewer' }, 'get_app')).toBe(true);
    expect(() => checkMayUseTool({ name: 'ci', role: 'deployer' }, 'delete_app')).toThrow('delete_app needs an admin token; ci is deployer');
  });

  it('does not list delete_app to a non-admin, and calling it anyway is a tool error', async () => {
    const admin = await clientFor('admin');
    expect((await admin.listTools()).tools.map((t) => t.name)).toContain('delete_app');
    const viewer = await clientFor('viewer');
    const names = (await viewer.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('delete_app');
    expect(names).toContain('list_apps');
    const r = (await viewer.callTool({ name: 'delete_app', arguments: { app: 'shop', confirm: 'shop' } })) as CallToolResult;
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toContain('delete_app not found');
  });
});
