// The MCP endpoint: Model Context Protocol over Streamable HTTP at /mcp, for agents (Claude Code, Claude Desktop
// through `slipway mcp`, IDEs). Every request needs a bearer token, like the API. Stateless: each POST gets its
// own server and transport, built for the token's principal, so there is no session to keep, expire or lose on a
// restart, and a revoked token stops working at its next request. A tool call's answer is an SSE stream that
// carries its progress notifications first. GET (a stream for server-initiated messages) and DELETE (ending a
// session) have nothing to serve without sessions: 405, which clients take as "not offered".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Middleware } from 'koa';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { ForbiddenError, MethodNotAllowedError, UnauthorizedError } from '../../shared/errors.js';

export const MCP_PATH = '/mcp';

/**
 * The MCP SDK and Slipway's tools on it, loaded at the first MCP request: about 25 MB of the server's memory
 * (ARCHITECTURE.md, "Build queue and memory") that an installation no agent talks to never needs.
 */
let loading: Promise<[typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js'), typeof import('../mcp/create-mcp-server.js')]> | undefined;
const loadMcp = () => (loading ??= Promise.all([import('@modelcontextprotocol/sdk/server/streamableHttp.js'), import('../mcp/create-mcp-server.js')]));

export function mcpRoutes(pipeline: Pipeline): Middleware {
  const { config } = pipeline.read;
  const log = pipeline.log.child('mcp');
  const version = readVersion(config.projectRoot);
  return async (ctx, next) => {
    if (ctx.path !== MCP_PATH) return next();
    const principal = pipeline.authenticateBearer(ctx.get('authorization') || undefined);
    if (!principal) {
      ctx.set('WWW-Authenticate', 'Bearer realm="slipway"');
      throw new UnauthorizedError('a valid token is required, in an Authorization header with the Bearer scheme (slipway token create makes one)');
    }
    if (ctx.method !== 'POST') throw new MethodNotAllowedError(ctx.method, ctx.path, ['POST']);
    // The protocol asks servers to check Origin (DNS rebinding). Agents send none; a browser page of another site
    // would also need the token, but is refused here before anything runs.
    const origin = ctx.get('origin');
    if (origin && !config.trustedOrigins.includes(origin)) throw new ForbiddenError(`requests from ${origin} are not accepted at ${MCP_PATH}`);

    const [{ StreamableHTTPServerTransport }, { createMcpServer }] = await loadMcp();
    const actor = { personId: principal.personId, name: principal.name, token: principal.tokenName, address: ctx.ip || null };
    const server = createMcpServer({ pipeline, principal: { name: principal.name, grant: principal.grant, actor }, log }, version);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    ctx.respond = false;
    ctx.res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(ctx.req, ctx.res);
  };
}

/** Slipway's version, told to clients at initialize (the project root always holds package.json: src/config/project-root.ts). */
function readVersion(projectRoot: string): string {
  return String((JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version?: unknown }).version ?? '0.0.0');
}
