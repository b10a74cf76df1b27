// Host names and URLs of an app's environments, and the reverse lookup the proxy does.
import type { EnvironmentDef } from './types.js';

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
