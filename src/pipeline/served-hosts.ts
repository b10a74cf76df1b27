// The host names Slipway serves now, each of which wants a certificate when Slipway serves HTTPS: the UI's, the
// host of every environment an app has deployed to (or is deploying to: its certificate is then ready when the
// deployment is), and every custom domain.
import { hostFor } from '../domain/host-for.js';
import type { PipelineDeps } from './deps.js';

export function servedHosts(deps: Pick<PipelineDeps, 'config' | 'store'>): string[] {
  const { config, store } = deps;
  const hosts = new Set<string>([new URL(config.publicUrl).hostname.toLowerCase()]);
  for (const app of store.apps.list()) {
    for (const env of config.environments) {
      if (store.deployments.latest(app.name, env.name)) hosts.add(hostFor(env, app.name, config.domain));
    }
  }
  for (const d of store.domains.list()) hosts.add(d.domain);
  return [...hosts];
}
