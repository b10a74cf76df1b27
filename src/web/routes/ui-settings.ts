// An app's settings: plain variables (read-only, they live in slipway.yaml), secrets per environment
// (write-only), custom domains, the clone URL and git commands, what the app takes on disk, and deleting the app
// by typing its name; who can open its environments (protected previews) and its share links.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { InvalidInputError } from '../../shared/errors.js';
import { field, seeOther } from '../ui/form.js';
import type { PageRenderer } from '../ui/page-renderer.js';
import { settingsView } from '../view-models/settings-view.js';
import { diskUseView } from '../view-models/disk-use-view.js';
import { existingAppName } from '../existing-app-name.js';
import { actorOf } from '../route-guard.js';
import { accessView } from '../view-models/access-view.js';
import type { Principal } from '../../auth/authenticate-token.js';

export function uiSettingsRoutes(pipeline: Pipeline, pages: PageRenderer): Router {
  const router = new Router({ prefix: '/apps/:name' });
  const { read } = pipeline;
  const appName = (ctx: Context): string => existingAppName(read.store, ctx);
  const by = (ctx: Context) => (ctx.state.principal as Principal).name;

  const render = async (ctx: Context, name: string, newShareLink: string | null = null) => {
    await pages.render(ctx, 'pages/settings.njk', {
      title: `${name}: settings`,
      tab: 'settings',
      app: { name },
      settings: await settingsView(read, pipeline.secrets, name),
      diskUse: diskUseView((await pipeline.diskUse([name])).total), // one app: its own use is the total
      access: await accessView(read, pipeline.access, name),
      accessSaved: ctx.query.access === 'saved',
      newShareLink,
      saved: typeof ctx.query.saved === 'string' ? ctx.query.saved : null,
      added: typeof ctx.query.added === 'string' ? ctx.query.added : null,
    });
  };

  router.get('/settings', async (ctx) => {
    await render(ctx, appName(ctx));
  });

  router.post('/access', (ctx) => {
    const name = appName(ctx);
    pipeline.access.update(name, { previews: field(ctx, 'previews') || undefined, production: field(ctx, 'production') || undefined }, by(ctx));
    seeOther(ctx, `/apps/${name}/settings?access=saved#access`);
  });

  // The new link is shown in this answer only (its token is kept hashed), so no redirect that would lose it.
  router.post('/share-links', async (ctx) => {
    const name = appName(ctx);
    const made = pipeline.access.shareLinks.create(name, field(ctx, 'environment'), field(ctx, 'expiresIn'), by(ctx));
    ctx.set('cache-control', 'no-store');
    await render(ctx, name, made.url);
  });

  router.post('/share-links/revoke', (ctx) => {
    const name = appName(ctx);
    pipeline.access.shareLinks.revoke(name, field(ctx, 'id'), by(ctx));
    seeOther(ctx, `/apps/${name}/settings#share-links`);
  });

  router.post('/secrets', async (ctx) => {
    const name = appName(ctx);
    const environment = field(ctx, 'environment');
    const key = field(ctx, 'name').trim();
    await pipeline.secrets.set(name, environment, key, field(ctx, 'value'), actorOf(ctx));
    seeOther(ctx, `/apps/${name}/settings?saved=${encodeURIComponent(key)}#secrets`);
  });

  router.post('/secrets/remove', async (ctx) => {
    const name = appName(ctx);
    await pipeline.secrets.remove(name, field(ctx, 'environment'), field(ctx, 'name'), actorOf(ctx));
    seeOther(ctx, `/apps/${name}/settings#secrets`);
  });

  router.post('/domains', (ctx) => {
    const name = appName(ctx);
    const { domain } = pipeline.addDomain(name, field(ctx, 'environment'), field(ctx, 'domain'), actorOf(ctx));
    seeOther(ctx, `/apps/${name}/settings?added=${encodeURIComponent(domain.domain)}#domains`);
  });

  router.post('/domains/remove', (ctx) => {
    const name = appName(ctx);
    pipeline.removeDomain(name, field(ctx, 'domain'), actorOf(ctx));
    seeOther(ctx, `/apps/${name}/settings#domains`);
  });

  router.post('/delete', async (ctx) => {
    const name = appName(ctx);
    if (field(ctx, 'confirm').trim() !== name) throw new InvalidInputError(`to delete the app, type its name (${name}) exactly; nothing was deleted`);
    await pipeline.deleteApp(name, actorOf(ctx));
    seeOther(ctx, '/?deleted=' + encodeURIComponent(name));
  });

  return router;
}
