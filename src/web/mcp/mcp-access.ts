// Who may use which MCP tool: the same rule as every API route (src/domain/authorize.ts), asked of each call with the
// app it names. Tools only an admin could ever use (create_app, delete_app) are not even listed to anyone else; the
// others are checked when called, so a viewer's token reads but cannot publish, and an app the principal has no
// role on is "not found", as in the API.
import { authorize, seesApp, type Action, type Grant } from '../../domain/authorize.js';
import type { Actor } from '../../domain/actor.js';
import { productionEnvironment } from '../../domain/environments.js';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';

export interface McpPrincipal {
  name: string;
  grant: Grant;
  /** Who is asking, as the audit log keeps it. */
  actor: Actor;
}

type ToolArgs = Record<string, unknown>;

/** The action each tool is; `set_secret` depends on the environment (production's secrets are the releaser's). */
const TOOL_ACTIONS: Record<string, Action | ((args: ToolArgs, read: Pick<PipelineReads, 'config'>) => Action)> = {
  list_apps: 'self:read',
  create_app: 'apps:create',
  get_app: 'app:view',
  delete_app: 'app:delete',
  describe_change: 'app:generate',
  get_generation: 'app:view',
  get_history: 'app:view',
  get_diff: 'app:view',
  get_build_log: 'app:view',
  get_deploy_log: 'app:view',
  get_runtime_logs: 'app:view',
  list_releases: 'app:view',
  release_plan: 'app:view',
  publish: 'app:release',
  rollback: 'app:release',
  set_secret: (args, read) =>
    args['environment'] === productionEnvironment(read.config.environments)?.name ? 'app:production-secrets' : 'app:preview-secrets',
  run_job: 'app:run-job',
};

/** Whether the tool is listed to this principal: all of them but those only an admin may ever use. */
export function mayUseTool(principal: Pick<McpPrincipal, 'grant'>, tool: string): boolean {
  const action = TOOL_ACTIONS[tool];
  if (action === undefined) return false;
  if (typeof action === 'function' || principal.grant.admin) return true;
  return action !== 'apps:create' && action !== 'app:delete';
}

/** Refuses the call unless the principal may do it to the app it names (404 for an app it cannot see). */
export function checkMayUseTool(
  principal: Pick<McpPrincipal, 'grant' | 'name'>,
  tool: string,
  args: ToolArgs,
  read: Pick<PipelineReads, 'config' | 'store'>,
): void {
  const rule = TOOL_ACTIONS[tool];
  if (rule === undefined) throw new NotFoundError(`no tool ${tool}`);
  const action = typeof rule === 'function' ? rule(args, read) : rule;
  const generation = typeof args['generationId'] === 'string' ? read.store.generations.get(args['generationId'])?.app : undefined;
  const app = typeof args['app'] === 'string' ? args['app'] : generation;
  if (app === undefined && action !== 'self:read' && action !== 'apps:create') throw new NotFoundError(`${tool}: no such generation`);
  const decision = authorize(principal.grant, action, app);
  if (decision.allowed) return;
  if (decision.status === 404) throw new NotFoundError(decision.reason);
  throw new ForbiddenError(`${tool}: ${decision.reason}`);
}

/** The apps a principal sees: list_apps and the resources' lists. */
export function visibleApps<T extends { name: string }>(principal: Pick<McpPrincipal, 'grant'>, apps: readonly T[]): T[] {
  return apps.filter((a) => seesApp(principal.grant, a.name));
}
