// Host names and URLs of an app's environments, the reverse lookup the proxy does, and which app names would lose a
// host.
import type { EnvironmentDef } from './types.js';

/** What host names are made of: the environments' patterns and the domain they fill in. */
export interface HostLayout {
  readonly environments: readonly EnvironmentDef[];
  readonly domain: string;
}

export function hostFor(env: EnvironmentDef, app: string, domain: string): string {
  return env.host.replaceAll('{app}', app).replaceAll('{domain}', domain);
}

/** The URL people open for an environment of an app (same scheme and port as the server's public URL). */
export function environmentUrl(site: { publicUrl: string; domain: string }, env: EnvironmentDef, app: string): string {
  const base = new URL(site.publicUrl);
  return `${base.protocol}//${hostFor(env, app, site.domain)}${base.port ? `:${base.port}` : ''}/`;
}

/** Finds which app and environment a request's host name (without port) addresses. */
export function routeForHost(hostname: string, environments: readonly EnvironmentDef[], domain: string): { app: string; environment: string } | null {
  const host = hostname.toLowerCase();
  // Longest pattern first so that `{app}-preview.{domain}` wins over `{app}.{domain}`.
  const byLength = [...environments].sort((a, b) => b.host.length - a.host.length);
  for (const env of byLength) {
    const [before, after] = env.host.replaceAll('{domain}', domain).split('{app}') as [string, string | undefined];
    if (after === undefined) continue;
    if (host.length > before.length + after.length && host.startsWith(before) && host.endsWith(after)) {
      const app = host.slice(before.length, host.length - after.length);
      if (/^[a-z0-9-]+$/.test(app)) return { app, environment: env.name };
    }
  }
  return null;
}

export interface LostHost {
  /** The environment whose host the app would not get. */
  environment: EnvironmentDef;
  host: string;
  /** Who gets that host instead (the app name may not exist yet: it is the one the host always goes to). */
  takenBy: { app: string; environment: EnvironmentDef };
}

/**
 * The first environment in which `app` would not get its own host, because the same host name is also another
 * app's host in another environment, and requests for it go there (app `x-preview` in production and app `x` in
 * preview both make `x-preview.DOMAIN`). Defined by the routing itself, so it holds for any set of host patterns
 * (a `staging.yaml` with `{app}-staging.{domain}` reserves `-staging` with no code change), and of two apps that
 * would share a host exactly one is refused, whichever was created first. Null when every host is the app's own.
 */
export function findLostHost(app: string, layout: HostLayout): LostHost | null {
  for (const environment of layout.environments) {
    const host = hostFor(environment, app, layout.domain);
    const route = routeForHost(host, layout.environments, layout.domain);
    if (route && route.app === app && route.environment === environment.name) continue;
    const other = layout.environments.find((e) => e.name === route?.environment);
    // A pattern that cannot route its own hosts (not reached with validated environments) leaves no one to name.
    if (!route || !other) continue;
    return { environment, host, takenBy: { app: route.app, environment: other } };
  }
  return null;
}
