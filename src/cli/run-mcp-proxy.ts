// `slipway mcp`: MCP over stdio for a local agent (Claude Desktop and other clients that start a command). It
// relays every JSON-RPC message, unchanged, to a running Slipway server's /mcp with the token from SLIPWAY_TOKEN,
// and the server's answers and progress notifications back. The tools run on the server, so this process needs
// no data folder, no Docker and no API key, and the agent gets exactly what the HTTP endpoint offers.
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { isInitializeRequest, isJSONRPCRequest, isJSONRPCResultResponse, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Remote } from './remote/resolve-remote.js';
import { messageOf } from '../shared/errors.js';
import { redact } from '../shared/redact.js';

const HOLD_ANSWER_MS = 50;

/** Runs until the agent closes stdin. `say` writes diagnostics (stderr: stdout carries only the protocol). */
export async function runMcpProxy(remote: Pick<Remote, 'url' | 'token'>, say: (line: string) => void): Promise<void> {
  const upstream = new StreamableHTTPClientTransport(new URL(`${remote.url}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${remote.token}` } },
  });
  const local = new StdioServerTransport();
  const initializeIds = new Set<string | number>();
  const tell = (e: unknown) => redact(messageOf(e)).split(remote.token).join('***');
  // Messages to the agent go out in order. A client built on the SDK handles a notification a microtask later than
  // a response (Protocol._onnotification), so progress read in the same chunk of stdin as the answer would come
  // after it and be dropped; an answer that follows a notification is therefore held back a moment.
  let queue = Promise.resolve();
  let lastNotificationAt = 0;
  const toAgent = (message: JSONRPCMessage) => {
    const isNotification = !('id' in message);
    const hold = !isNotification && Date.now() - lastNotificationAt < HOLD_ANSWER_MS ? HOLD_ANSWER_MS : 0;
    if (isNotification) lastNotificationAt = Date.now();
    queue = queue
      .then(() => (hold ? new Promise<void>((resolve) => setTimeout(resolve, hold)) : undefined))
      .then(() => local.send(message))
      .catch((e: unknown) => say(`slipway mcp: could not write to the agent: ${tell(e)}`));
  };

  upstream.onmessage = (message: JSONRPCMessage) => {
    // The HTTP transport sends the negotiated protocol version as a header on later requests; a client object
    // would set it after initialize, so the relay does the same when it sees initialize's answer pass.
    if (isJSONRPCResultResponse(message) && initializeIds.delete(message.id)) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') upstream.setProtocolVersion(version);
    }
    toAgent(message);
  };
  upstream.onerror = (e) => say(`slipway mcp: ${remote.url}/mcp: ${tell(e)}`);

  local.onmessage = (message: JSONRPCMessage) => {
    if (isInitializeRequest(message) && isJSONRPCRequest(message)) initializeIds.add(message.id);
    upstream.send(message).catch((e: unknown) => {
      const status = e instanceof StreamableHTTPError && e.code !== undefined && e.code > 0 ? ` (HTTP ${e.code})` : '';
      const why = `Slipway at ${remote.url} did not take the request${status}: ${tell(e)}`;
      say(`slipway mcp: ${why}`);
      // A request must get an answer, or the agent waits for ever.
      if (isJSONRPCRequest(message)) toAgent({ jsonrpc: '2.0', id: message.id, error: { code: -32000, message: why } });
    });
  };
  local.onerror = (e) => say(`slipway mcp: reading from the agent: ${tell(e)}`);

  const closed = new Promise<void>((resolve) => {
    local.onclose = () => resolve();
    // The stdio transport does not end by itself when the agent closes our stdin.
    process.stdin.once('end', () => void local.close());
  });
  await upstream.start();
  await local.start();
  await closed;
  await upstream.close();
}
