// Who may use which MCP tool: the one place roles plug into. Today every valid token is an admin; when tokens get
// roles and scopes (issue 15), only this file changes. A tool a principal may not use is not even listed to it,
// and its handler refuses again in case a client calls it by name.
import { ForbiddenError } from '../../shared/errors.js';

/** Tools that remove what cannot be brought back: admins only. */
const ADMIN_ONLY = new Set(['delete_app']);

export interface McpPrincipal {
  name: string;
  /** 'admin' today; other roles (issue 15) are refused the admin-only tools. */
  role: string;
}

export function mayUseTool(principal: McpPrincipal, tool: string): boolean {
  return !ADMIN_ONLY.has(tool) || principal.role === 'admin';
}

export function checkMayUseTool(principal: McpPrincipal, tool: string): void {
  if (!mayUseTool(principal, tool)) throw new ForbiddenError(`${tool} needs an admin token; ${principal.name} is ${principal.role}`);
}
