// Custom domains of an app's environments: the one module they go through. A domain is checked by the pure rule
// (src/domain/custom-domain.ts), must be no other app's (the table's primary key has the last word), and each change
// is a `domain` pipeline event, which the certificate manager and open pages follow. The Docker proxy reads the
// table on each request, so it needs nothing more; the Kubernetes runtime renders domains into the environment's
// Ingress, so there a change redeploys what the environment runs.
import { parseCustomDomain, normaliseDomain } from '../domain/custom-domain.js';
import { ConflictError, NotFoundError } from '../shared/errors.js';
import type { DomainRecord } from '../store/domains-store.js';
import { recordAppMetadata } from './app-metadata.js';
import type { PipelineDeps } from './deps.js';

export interface Domains {
  /** The domain as stored (normalised); `added` is false when the environment had it already (nothing changed). */
  add(app: string, environment: unknown, domain: unknown): { domain: DomainRecord; added: boolean };
  remove(app: string, domain: unknown): DomainRecord;
}

export function createDomains(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events' | 'runtime' | 'log'>,
  restart: (app: string, environment: string) => unknown,
): Domains {
  const { config, store } = deps;
  const checkApp = (app: string) => {
    if (!store.apps.get(app)) throw new NotFoundError(`no app named ${app}`);
  };
  // Docker's proxy reads the table per request; an Ingress only changes when it is applied again.
  const routesChanged = (app: string, environment: string) => {
    if (deps.runtime.kind === 'kubernetes') restart(app, environment);
  };
  return {
    add(app, environment, input) {
      checkApp(app);
      const env = config.environments.find((e) => e.name === environment);
      if (!env)
        throw new NotFoundError(`no environment named ${String(environment).slice(0, 60)} (there are ${config.environments.map((e) => e.name).join(', ')})`);
      const domain = parseCustomDomain(input, config);
      const existing = store.domains.get(domain);
      if (existing?.app === app && existing.environment === env.name) return { domain: existing, added: false };
      if (existing?.app === app) throw new ConflictError(`${domain} already goes to ${existing.environment} of ${app}; remove it there first`, 'DOMAIN_TAKEN');
      if (existing) throw new ConflictError(`${domain} is already a custom domain of app "${existing.app}"`, 'DOMAIN_TAKEN');
      const record: DomainRecord = { domain, app, environment: env.name, createdAt: new Date().toISOString() };
      store.domains.add(record);
      deps.log.info('custom domain added', { app, environment: env.name, domain });
      deps.events.emit({ type: 'domain', app, environment: env.name, domain, change: 'added' });
      recordAppMetadata(deps, app);
      routesChanged(app, env.name);
      return { domain: record, added: true };
    },
    remove(app, input) {
      checkApp(app);
      const domain = typeof input === 'string' ? normaliseDomain(input) : '';
      const existing = domain ? store.domains.get(domain) : undefined;
      if (!existing || existing.app !== app) throw new NotFoundError(`${domain ? domain.slice(0, 80) : 'that'} is not a custom domain of ${app}`);
      store.domains.remove(domain);
      deps.log.info('custom domain removed', { app, environment: existing.environment, domain });
      deps.events.emit({ type: 'domain', app, environment: existing.environment, domain, change: 'removed' });
      recordAppMetadata(deps, app);
      routesChanged(app, existing.environment);
      return existing;
    },
  };
}
