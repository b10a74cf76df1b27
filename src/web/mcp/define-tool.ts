// How every Slipway MCP tool is registered: its schema and one-line description, the access check, and one
// translation of its outcome into a tool result — structured content plus the same JSON as text (for clients that
// read only text), and errors as `isError` results with the stable code and the message the API would give
// (src/web/map-error.ts: from 500 up a fixed sentence with a request id, never a stack or a server path).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ShapeOutput, ZodRawShapeCompat } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import type { Logger } from '../../shared/log.js';
import { mapError } from '../map-error.js';
import { checkMayUseTool, mayUseTool, type McpPrincipal } from './mcp-access.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface McpToolContext {
  readonly pipeline: Pipeline;
  readonly principal: McpPrincipal;
  readonly log: Logger;
}

/** What a tool's function returns: its record, and whether it reports a failure (a failed deploy, a failed generation). */
export interface ToolOutcome {
  result: Record<string, unknown>;
  /** Set when the action ran but did not succeed: the result is still given, with `isError` and this first. */
  failure?: string;
}

export const ok = (result: Record<string, unknown>): ToolOutcome => ({ result });

export interface ToolDefinition<Shape extends ZodRawShapeCompat> {
  name: string;
  title: string;
  /** One line an agent can act on: what it does, and when to use it. */
  description: string;
  input: Shape;
  annotations: Omit<ToolAnnotations, 'title'>;
  run(args: ShapeOutput<Shape>, extra: ToolExtra): Promise<ToolOutcome>;
}

export function defineTool<Shape extends ZodRawShapeCompat>(server: McpServer, ctx: McpToolContext, tool: ToolDefinition<Shape>): void {
  if (!mayUseTool(ctx.principal, tool.name)) return;
  const handler = async (args: ShapeOutput<Shape>, extra: ToolExtra): Promise<CallToolResult> => {
    try {
      checkMayUseTool(ctx.principal, tool.name, args as Record<string, unknown>, ctx.pipeline.read);
      const outcome = await tool.run(args, extra);
      const json = JSON.stringify(outcome.result, null, 2);
      if (outcome.failure === undefined) return { content: [{ type: 'text', text: json }], structuredContent: outcome.result };
      return { isError: true, content: [{ type: 'text', text: `${outcome.failure}\n\n${json}` }], structuredContent: outcome.result };
    } catch (e) {
      return errorResult(e, tool.name, ctx.log);
    }
  };
  // The SDK's callback type is a conditional on the shape; the handler above is exactly its shape branch.
  server.registerTool(
    tool.name,
    { title: tool.title, description: tool.description, inputSchema: tool.input, annotations: { title: tool.title, ...tool.annotations } },
    handler as never,
  );
}

export function errorResult(e: unknown, tool: string, log: Logger): CallToolResult {
  const answer = mapError(e, { method: 'MCP', path: `tools/call ${tool}` }, log);
  const error = { code: answer.code, message: answer.message, ...(answer.requestId ? { requestId: answer.requestId } : {}) };
  return { isError: true, content: [{ type: 'text', text: `${answer.code}: ${answer.message}` }], structuredContent: { error } };
}
