// The host names Slipway serves now, each of which wants a certificate when Slipway serves HTTPS: the UI's, the
// host of every environment an app has deployed to (or is deploying to: its certificate is then ready when the
// deployment is), and every custom domain.
import { hostFor } from '../domain/host-for.js';
import type { PipelineDeps } from './deps.js';

/** Each environment an app has deployed to (or is deploying to), with its hosts: its own first, then its custom domains. */
export function environmentHosts(deps: Pick<PipelineDeps, 'config' | 'store'>): { app: string; environment: string; hosts: string[] }[] {
  const { config, store } = deps;
  const domains = store.domains.list();
  const out: { app: string; environment: string; hosts: string[] }[] = [];
  for (const app of store.apps.list()) {
    for (const env of config.environments) {
      if (!store.deployments.latest(app.name, env.name)) continue;
      const own = domains.filter((d) => d.app === app.name && d.environment === env.name).map((d) => d.domain);
      out.push({ app: app.name, environment: env.name, hosts: [hostFor(env, app.name, config.domain), ...own] });
    }
  }
  return out;
}

export function servedHosts(deps: Pick<PipelineDeps, 'config' | 'store'>): string[] {
  const hosts = new Set<string>([new URL(deps.config.publicUrl).hostname.toLowerCase()]);
  for (const e of environmentHosts(deps)) for (const host of e.hosts) hosts.add(host);
  // A custom domain of an environment not deployed yet: its certificate is ready when the deployment is.
  for (const d of deps.store.domains.list()) hosts.add(d.domain);
  return [...hosts];
}
