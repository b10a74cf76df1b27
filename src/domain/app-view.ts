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

/** Each environment of an app as the API (`GET /api/apps/APP/environments`), the UI and the remote CLI see it. */
export interface EnvironmentView {
  name: string;
  title: string;
  ref: string;
  url: string;
  /** When what serves is a scheduled job: its cron schedule (UTC); it has no URL then. */
  schedule: string | null;
  /** The commit the environment's ref points at (desired). */
  commit: string | null;
  /** The commit that serves (applied). */
  appliedCommit: string | null;
  image: string | null;
  release: string | null;
  /** live | building | deploying | queued | failed | not deployed */
  status: string;
  /** When the applied commit went live. */
  since: string | null;
  lastDeployment: { id: string; commit: string; status: string; reason: string | null } | null;
  /** What the runtime says of what serves: restarts and a problem now (null: a job, nothing serving, or no answer). */
  health: { restarts: number; problem: string | null } | null;
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
