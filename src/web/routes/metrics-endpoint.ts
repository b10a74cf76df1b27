// GET /metrics: Prometheus' text format, for a scraper holding a token (`Authorization: Bearer`). No UI session:
// a scraper has none, and a page has no use for it.
import type { Middleware } from 'koa';
import type { Principal } from '../../auth/authenticate-token.js';
import { authorize } from '../../domain/authorize.js';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { ForbiddenError, MethodNotAllowedError, UnauthorizedError } from '../../shared/errors.js';

/** Who may read the metrics: an admin's token, or one narrowed to the `metrics` scope (src/domain/authorize.ts). */
export function mayReadMetrics(principal: Principal): boolean {
  return authorize(principal.grant, 'metrics:read').allowed;
}

export function metricsEndpoint(pipeline: Pick<Pipeline, 'authenticateBearer' | 'metrics'>): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/metrics') return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      throw new MethodNotAllowedError(ctx.method, ctx.path, ['GET', 'HEAD']);
    }
    const principal = pipeline.authenticateBearer(ctx.get('authorization') || undefined);
    if (!principal) {
      ctx.set('WWW-Authenticate', 'Bearer realm="slipway"');
      throw new UnauthorizedError('a valid token is required: send "Authorization: Bearer TOKEN"');
    }
    if (!mayReadMetrics(principal)) throw new ForbiddenError('this token may not read the metrics');
    const { contentType, body } = await pipeline.metrics.scrape();
    ctx.set('Cache-Control', 'no-store');
    ctx.type = contentType;
    ctx.body = body;
  };
}
