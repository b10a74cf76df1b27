// Renders a page of the UI into a Koa response: the view model plus what every page shows (who is signed in,
// the platform banner, asset URLs, this installation's URLs), with the security headers of HTML answers.
import type { Context } from 'koa';
import type { Principal } from '../../auth/authenticate-token.js';
import { authorize, type Action } from '../../domain/authorize.js';
import type { PlatformStatusSource } from '../../pipeline/platform-status.js';
import type { Render } from './create-renderer.js';
import type { StaticAssets } from './serve-static.js';

export interface PageRenderer {
  render(ctx: Context, template: string, model: object): Promise<void>;
  /** HTML of a fragment (no layout), for live updates. */
  fragment(ctx: Context, template: string, model: object): Promise<void>;
}

// Pages use only their own scripts and styles: an injected <script> would not run even if escaping failed.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function setHtmlHeaders(ctx: Context): void {
  ctx.set('Content-Security-Policy', CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set('Cache-Control', 'no-store');
}

/**
 * `can(action, app?)` for templates: what a person may not do is not shown (no Publish button for a developer).
 * The routes still refuse it (src/web/route-guard.ts); this only keeps the page honest.
 */
export function canFor(principal: Principal | undefined): (action: Action, app?: string) => boolean {
  return (action, app) => principal !== undefined && authorize(principal.grant, action, app).allowed;
}

export function createPageRenderer(options: {
  render: Render;
  assets: StaticAssets;
  platform: PlatformStatusSource;
  site: { publicUrl: string; domain: string; runtime: string };
}): PageRenderer {
  const { render, assets, platform, site } = options;
  return {
    async render(ctx, template, model) {
      const principal = ctx.state.principal as Principal | undefined;
      const status = principal ? await platform.get() : null;
      const html = await render(template, {
        ...model,
        asset: assets.url,
        site,
        can: canFor(principal),
        user: principal ? { name: principal.name, admin: principal.grant.admin } : null,
        platform: status,
        path: ctx.path,
      });
      setHtmlHeaders(ctx);
      ctx.type = 'html';
      ctx.body = html;
    },
    async fragment(ctx, template, model) {
      const html = await render(template, { ...model, asset: assets.url, site, can: canFor(ctx.state.principal as Principal | undefined) });
      setHtmlHeaders(ctx);
      ctx.type = 'html';
      ctx.body = html;
    },
  };
}
