// The JSON shape of an app, as the API and `slipway apps list --json` show it. Here, pure, because both edges
// (web and cli, which may not import each other) print the same record.
import { environmentUrl } from './host-for.js';
import type { EnvironmentDef } from './types.js';

export interface AppView {
  name: string;
  template: string;
  description: string;
  createdAt: string;
  cloneUrl: string;
  environments: { name: string; title: string; ref: string; url: string }[];
}

export function toAppView(
  site: { publicUrl: string; domain: string; environments: readonly EnvironmentDef[] },
  app: { name: string; template: string; description: string; createdAt: string },
): AppView {
  return {
    name: app.name,
    template: app.template,
    description: app.description,
    createdAt: app.createdAt,
    cloneUrl: `${site.publicUrl}/git/${app.name}.git`,
    environments: site.environments.map((env) => ({
      name: env.name,
      title: env.title,
      ref: env.ref,
      url: environmentUrl(site, env, app.name),
    })),
  };
}
