// The `:name` route parameter of an app that exists (404 otherwise), shared by the UI and API routes.
import type { Context } from 'koa';
import { NotFoundError } from '../shared/errors.js';
import type { Store } from '../store/create-store.js';

export function existingAppName(store: Pick<Store, 'apps'>, ctx: Context): string {
  const name = String(ctx.params.name ?? '');
  if (!store.apps.get(name)) throw new NotFoundError(`no app named ${name}`);
  return name;
}
