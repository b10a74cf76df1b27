// Host names and URLs of an app's environments, the reverse lookup the proxy does, and which app names would lose a
// host.
import { BRANCH_SEPARATOR, branchBasis, branchEnvironmentName, SLUG } from './branch-environment.js';
import type { EnvironmentDef } from './types.js';

/** What host names are made of: the environments' patterns and the domain they fill in. */
export interface HostLayout {
  readonly environments: readonly EnvironmentDef[];
  readonly domain: string;
  /** With branch previews on (`max` > 0), `APP--SLUG` in the preview pattern is a branch preview's host. */
  readonly branchPreviews?: { readonly max: number };
}

/** Where a host goes: an app's environment; for a branch preview, the environment `preview--SLUG` and its slug. */
export interface HostRoute {
  app: string;
  environment: string;
  slug?: string;
}

const APP_SHAPE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export function branchPreviewsOn(layout: HostLayout): boolean {
  return (layout.branchPreviews?.max ?? 0) > 0;
}

export function hostFor(env: EnvironmentDef, app: string, domain: string): string {
  return env.host.replaceAll('{app}', app).replaceAll('{domain}', domain);
}

/** The URL people open for an environment of an app (same scheme and port as the server's public URL). */
export function environmentUrl(site: { publicUrl: string; domain: string }, env: EnvironmentDef, app: string): string {
  const base = new URL(site.publicUrl);
  return `${base.protocol}//${hostFor(env, app, site.domain)}${base.port ? `:${base.port}` : ''}/`;
}

/**
 * Finds which app and environment a request's host name (without port) addresses. With `branches` (branch previews
 * on), what stands for `{app}` may be `APP--SLUG` in the preview environment's pattern only: a branch preview's host.
 * App names never contain `--` then (explainAppName), nor do environment files' names and host patterns
 * (load-environments.ts), so the first `--` is where the app ends, and no app's host is read as a branch's.
 */
export function routeForHost(hostname: string, environments: readonly EnvironmentDef[], domain: string, branches = false): HostRoute | null {
  const host = hostname.toLowerCase();
  const basis = branches ? branchBasis(environments) : undefined;
  // Longest pattern first so that `{app}-preview.{domain}` wins over `{app}.{domain}`.
  const byLength = [...environments].sort((a, b) => b.host.length - a.host.length);
  for (const env of byLength) {
    const [before, after] = env.host.replaceAll('{domain}', domain).split('{app}') as [string, string | undefined];
    if (after === undefined) continue;
    if (host.length > before.length + after.length && host.startsWith(before) && host.endsWith(after)) {
      const app = host.slice(before.length, host.length - after.length);
      if (!/^[a-z0-9-]+$/.test(app)) continue;
      if (!branches) return { app, environment: env.name };
      // No app name starts or ends with "-" (a host such as `a--x-preview` is not app `a-` in `{app}-x-preview`).
      if (APP_SHAPE.test(app) && !app.includes(BRANCH_SEPARATOR)) return { app, environment: env.name };
      if (!app.includes(BRANCH_SEPARATOR)) continue;
      if (env !== basis) continue;
      const at = app.indexOf(BRANCH_SEPARATOR);
      const [owner, slug] = [app.slice(0, at), app.slice(at + BRANCH_SEPARATOR.length)];
      if (APP_SHAPE.test(owner) && SLUG.test(slug)) return { app: owner, environment: branchEnvironmentName(env, slug), slug };
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
    const lost = findLostHostOf(app, environment, layout);
    if (lost) return lost;
  }
  return null;
}

/**
 * Whether `app` would not get its host in `environment` (an environment file's, or a branch preview's), and who gets
 * it instead. Asked of every app's environments (findLostHost) and of a branch preview before it is pushed: routing is
 * one function of the host, so a host that routes back to its own app and environment is no one else's.
 */
export function findLostHostOf(app: string, environment: EnvironmentDef, layout: HostLayout): LostHost | null {
  const host = hostFor(environment, app, layout.domain);
  const route = routeForHost(host, layout.environments, layout.domain, branchPreviewsOn(layout));
  if (route && route.app === app && route.environment === environment.name) return null;
  const basis = branchBasis(layout.environments);
  const other =
    route?.slug && basis
      ? { ...basis, name: route.environment, title: `${basis.title} of a branch`, branch: { name: route.slug, slug: route.slug, basis: basis.name } }
      : layout.environments.find((e) => e.name === route?.environment);
  // A pattern that cannot route its own hosts (not reached with validated environments) leaves no one to name.
  if (!route || !other) return null;
  return { environment, host, takenBy: { app: route.app, environment: other } };
}
