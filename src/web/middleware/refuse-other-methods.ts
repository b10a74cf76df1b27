// The end of a set of routers: a path some route serves, asked with another method, is a 405 that says which
// methods it answers (the Allow header; OPTIONS gets just that); anything else goes on (to the 404 of its area).
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { MethodNotAllowedError } from '../../shared/errors.js';

export function refuseOtherMethods(routers: readonly Router[]): Middleware {
  return async (ctx, next) => {
    const allowed = new Set<string>();
    for (const router of routers) for (const layer of router.match(ctx.path, ctx.method).path) for (const m of layer.methods) allowed.add(m);
    if (allowed.size === 0 || allowed.has(ctx.method)) return next();
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      ctx.set('Allow', [...allowed].join(', '));
      return;
    }
    throw new MethodNotAllowedError(ctx.method, ctx.path, [...allowed]);
  };
}
