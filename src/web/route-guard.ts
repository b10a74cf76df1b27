// Enforces the authorisation rule (src/domain/authorize.ts) on every route of the API and the UI. Each route has
// exactly one rule in src/web/route-rules.ts, keyed by method and path; a route without one stops the app from
// being made (fail closed), so a new route cannot slip through unguarded. The rule names the action and how to
// find the app a request concerns; the guard runs first in the route's own middleware, after the router matched.
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Principal } from '../auth/authenticate-token.js';
import type { Actor } from '../domain/actor.js';
import { authorize, type Action } from '../domain/authorize.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../shared/errors.js';

/** How a rule finds the app a request concerns; undefined: the record it names does not exist (404). */
export type AppOf = (ctx: Context) => string | undefined;

export type RouteRule =
  /** Open without a principal (signing in). */
  { public: true } | { action: Action | ((ctx: Context) => Action); app?: AppOf };

export interface GuardedRoute {
  method: string;
  path: string;
  rule: RouteRule;
}

export function principalOf(ctx: Context): Principal | undefined {
  return ctx.state.principal as Principal | undefined;
}

/** Who is asking, as the audit log keeps it. */
export function actorOf(ctx: Context): Actor {
  const p = principalOf(ctx);
  return { personId: p?.personId ?? null, name: p?.name ?? 'unknown', token: p?.tokenName ?? null, address: ctx.ip || null };
}

function guard(rule: RouteRule): Middleware {
  return async (ctx, next) => {
    if ('public' in rule) return next();
    const principal = principalOf(ctx);
    if (!principal) throw new UnauthorizedError();
    const action = typeof rule.action === 'function' ? rule.action(ctx) : rule.action;
    let app: string | undefined;
    if (rule.app) {
      app = rule.app(ctx);
      if (app === undefined) throw new NotFoundError(`nothing at ${ctx.path}`);
    }
    const decision = authorize(principal.grant, action, app);
    if (!decision.allowed) throw decision.status === 404 ? new NotFoundError(decision.reason) : new ForbiddenError(decision.reason);
    await next();
  };
}

/**
 * Puts each route's guard in front of its handlers. Throws when a route has no rule, or a rule names no route
 * of these routers (a rule left behind when a route went).
 */
export function guardRoutes(routers: readonly Router[], rules: Readonly<Record<string, RouteRule>>): GuardedRoute[] {
  const guarded: GuardedRoute[] = [];
  for (const router of routers)
    for (const layer of router.stack) {
      if (layer.methods.length === 0) continue;
      const methods = layer.methods.filter((m) => m !== 'HEAD');
      const keys = methods.map((m) => `${m} ${layer.path}`);
      const found = keys.map((k) => rules[k]);
      const missing = keys.filter((_, i) => found[i] === undefined);
      if (missing.length > 0) throw new Error(`no authorisation rule for ${missing.join(', ')}: add one to src/web/route-rules.ts`);
      // One layer serves one method here (router.get, router.post, …); GET's rule covers HEAD.
      const rule = found[0]!;
      layer.stack.unshift(guard(rule) as never);
      for (const m of methods) guarded.push({ method: m, path: String(layer.path), rule });
    }
  return guarded;
}

/** Rules that match no route: checked once all routers are guarded. */
export function unusedRules(guarded: readonly GuardedRoute[], rules: Readonly<Record<string, RouteRule>>): string[] {
  const used = new Set(guarded.map((g) => `${g.method} ${g.path}`));
  return Object.keys(rules).filter((k) => !used.has(k));
}
