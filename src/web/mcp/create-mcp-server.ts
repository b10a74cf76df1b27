// One MCP server for one authenticated request (the transport is stateless, see src/web/routes/mcp.ts): the tools
// this principal may use, and the resources. Building it costs well under a millisecond; nothing lives between requests.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpToolContext } from './define-tool.js';
import { registerAppTools } from './app-tools.js';
import { registerGenerationTools } from './generation-tools.js';
import { registerHistoryTools } from './history-tools.js';
import { registerLogTools } from './log-tools.js';
import { registerReleaseTools } from './release-tools.js';
import { registerResources } from './register-resources.js';
import { registerSettingsTools } from './settings-tools.js';

const INSTRUCTIONS = [
  'Slipway runs small web apps: every commit on main is built and served on the preview URL; publishing moves production to a commit preview already built.',
  'Typical flow: list_apps or create_app → read files (resources slipway://APP/files) → describe_change (Claude commits; returns the preview URL and whether it is live) → check the preview → release_plan → publish; rollback if needed.',
  'When something fails, read get_build_log, get_deploy_log or get_runtime_logs.',
].join('\n');

export function createMcpServer(ctx: McpToolContext, version: string): McpServer {
  const server = new McpServer({ name: 'slipway', title: 'Slipway', version }, { instructions: INSTRUCTIONS, capabilities: { logging: {} } });
  registerAppTools(server, ctx);
  registerGenerationTools(server, ctx);
  registerLogTools(server, ctx);
  registerReleaseTools(server, ctx);
  registerHistoryTools(server, ctx);
  registerSettingsTools(server, ctx);
  registerResources(server, ctx);
  return server;
}
