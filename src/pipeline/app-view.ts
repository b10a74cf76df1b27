// The JSON shape of an app, as the API and CLI show it.
import { hostFor } from '../domain/host-for.js';
import type { AppRecord } from '../store/apps-store.js';
import type { PipelineDeps } from './deps.js';

export interface AppView {
  name: string;
  template: string;
  description: string;
  createdAt: string;
  cloneUrl: string;
  environments: { name: string; title: string; ref: string; url: string }[];
}

export function toAppView(deps: Pick<PipelineDeps, 'config'>, app: AppRecord): AppView {
  const { config } = deps;
  const port = new URL(config.publicUrl).port;
  return {
    name: app.name,
    template: app.template,
    description: app.description,
    createdAt: app.createdAt,
    cloneUrl: `${config.publicUrl}/git/${app.name}.git`,
    environments: config.environments.map((env) => ({
      name: env.name,
      title: env.title,
      ref: env.ref,
      url: `${new URL(config.publicUrl).protocol}//${hostFor(env, app.name, config.domain)}${port ? `:${port}` : ''}/`,
    })),
  };
}
