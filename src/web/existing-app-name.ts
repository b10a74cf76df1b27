// The `:name` route parameter of an app that exists (400 when it is no app name, 404 when no such app), shared by the UI and API routes.
import type { Context } from 'koa';
import { parseAppName } from '../domain/app-name.js';
import type { AppName } from '../domain/types.js';
import { NotFoundError } from '../shared/errors.js';
import type { ReadStore } from '../store/read-store.js';

export function existingAppName(store: Pick<ReadStore, 'apps'>, ctx: Context): AppName {
  const name = parseAppName(ctx.params.name ?? '');
  if (!store.apps.get(name)) throw new NotFoundError(`no app named ${name}`);
  return name;
}
