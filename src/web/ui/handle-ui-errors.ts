// Errors of UI pages and actions as pages: what went wrong in words, what to do next, and a way back; never a
// stack trace. Fragments and live streams get a short text answer instead of a whole page.
import type { Middleware } from 'koa';
import { isSlipwayError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { PageRenderer } from './page-renderer.js';

const TITLES: Record<number, string> = {
  400: 'That did not work',
  401: 'Sign in first',
  403: 'Refused',
  404: 'Not found',
  409: 'That cannot be done right now',
  422: 'That did not work',
  500: 'Something went wrong on our side',
  503: 'A service Slipway needs is not available',
};

export function handleUiErrors(pages: PageRenderer, log: Logger, appExists: (name: string) => boolean): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (e) {
      const known = isSlipwayError(e);
      const httpStatus = (e as { status?: unknown }).status;
      const clientHttpError = !known && typeof httpStatus === 'number' && httpStatus >= 400 && httpStatus < 500;
      const status = known ? e.status : clientHttpError ? httpStatus : 500;
      const code = known ? e.code : clientHttpError ? 'INVALID_INPUT' : 'INTERNAL';
      // A service that is away (503: Docker down, no API key) is the page's message; anything else from 500 up is
      // a fault whose details (a git command's stderr, paths) belong in the server log, not on the page.
      const internal = status >= 500 && status !== 503;
      const raw =
        internal || (!known && !clientHttpError)
          ? 'Slipway hit an unexpected error. The details are in the server log; try again, and tell the operator if it happens again.'
          : (e as Error).message;
      const message = raw.charAt(0).toUpperCase() + raw.slice(1);
      if (internal) log.error('page failed', { method: ctx.method, path: ctx.path, error: e });
      else if (status >= 500) log.warn('page could not be served', { method: ctx.method, path: ctx.path, code });
      if (ctx.headerSent) return;
      ctx.status = status;
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
        back: appName && appExists(appName) ? { href: `/apps/${appName}`, label: `Back to ${appName}` } : { href: '/', label: 'Back to your apps' },
        signIn: status === 401 ? `/sign-in?next=${encodeURIComponent(action ? (appName ? `/apps/${appName}` : '/') : ctx.originalUrl)}` : null,
      });
      ctx.status = status;
    }
  };
}
