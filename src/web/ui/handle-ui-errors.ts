// Errors of UI pages and actions as pages: what went wrong in words, what to do next, and a way back; never a
// stack trace. The words come from the one mapping the API uses too (src/web/map-error.ts). Fragments and live
// streams get a short text answer instead of a whole page.
import type { Context, Middleware } from 'koa';
import type { Logger } from '../../shared/log.js';
import { mapError } from '../map-error.js';
import type { PageRenderer } from './page-renderer.js';

const TITLES: Record<number, string> = {
  400: 'That did not work',
  401: 'Sign in first',
  403: 'Refused',
  404: 'Not found',
  405: 'That cannot be done here',
  409: 'That cannot be done right now',
  422: 'That did not work',
  500: 'Something went wrong on our side',
  503: 'A service Slipway needs is not available',
};

export function handleUiErrors(pages: PageRenderer, log: Logger, appExists: (name: string, ctx: Context) => boolean): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (e) {
      const { status, code, message: raw, headers } = mapError(e, ctx, log);
      const message = raw.charAt(0).toUpperCase() + raw.slice(1);
      if (ctx.headerSent) return;
      ctx.status = status;
      ctx.set(headers);
      if (ctx.get('x-slipway-fragment') || ctx.get('accept').includes('text/event-stream')) {
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = message;
        return;
      }
      const action = ctx.method !== 'GET' && ctx.method !== 'HEAD';
      const appName = /^\/apps\/([a-z0-9-]+)(\/|$)/.exec(ctx.path)?.[1];
      await pages.render(ctx, 'pages/error.njk', {
        title: TITLES[status] ?? 'That did not work',
        status,
        code,
        message,
        action,
        back: appName && appExists(appName, ctx) ? { href: `/apps/${appName}`, label: `Back to ${appName}` } : { href: '/', label: 'Back to your apps' },
        signIn: status === 401 ? `/sign-in?next=${encodeURIComponent(action ? (appName ? `/apps/${appName}` : '/') : ctx.originalUrl)}` : null,
      });
      ctx.status = status;
    }
  };
}
