// The JSON shape of an app, as the API and CLI show it.
import { hostFor } from '../domain/host-for.js';
import type { EnvironmentDef } from '../domain/types.js';
import type { Config } from '../config/load-config.js';
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

/** The URL people open for an environment of an app (same scheme and port as the server's public URL). */
export function environmentUrl(config: Pick<Config, 'publicUrl' | 'domain'>, env: EnvironmentDef, app: string): string {
  const base = new URL(config.publicUrl);
  return `${base.protocol}//${hostFor(env, app, config.domain)}${base.port ? `:${base.port}` : ''}/`;
}

export function toAppView(deps: Pick<PipelineDeps, 'config'>, app: AppRecord): AppView {
  const { config } = deps;
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
      url: environmentUrl(config, env, app.name),
    })),
  };
}
