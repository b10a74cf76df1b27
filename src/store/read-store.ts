// The store as the web layer and the CLI see it: the read methods of each record set and nothing that writes.
// Writes go through the pipeline's commands, so every change keeps the pipeline's rules (locks, the intake).
import type { AppsStore } from './apps-store.js';
import type { BuildsStore } from './builds-store.js';
import type { DeploymentsStore } from './deployments-store.js';
import type { DomainsStore } from './domains-store.js';
import type { GenerationsStore } from './generations-store.js';
import type { JobRunsStore } from './job-runs-store.js';
import type { RefUpdatesStore } from './ref-updates-store.js';
import type { SecretsStore } from './secrets-store.js';
import type { TokensStore } from './tokens-store.js';
import type { WebhooksStore } from './webhooks-store.js';
import type { TrafficHistoryStore } from './traffic-history-store.js';
import type { PeopleStore } from './people-store.js';
import type { AuditStore } from './audit-store.js';

export interface ReadStore {
  readonly apps: Pick<AppsStore, 'get' | 'list'>;
  readonly builds: Pick<BuildsStore, 'get' | 'latestFor' | 'list'>;
  readonly deployments: Pick<DeploymentsStore, 'get' | 'list' | 'open' | 'live' | 'latest' | 'isActive'>;
  readonly domains: Pick<DomainsStore, 'get' | 'list' | 'listForApp'>;
  readonly generations: Pick<GenerationsStore, 'get' | 'list' | 'running' | 'events'>;
  readonly jobRuns: Pick<JobRunsStore, 'get' | 'list'>;
  readonly refUpdates: Pick<RefUpdatesStore, 'get' | 'pending' | 'listForApp' | 'lastPushes'>;
  /** Names only: values are write-only outside the pipeline. */
  readonly secrets: Pick<SecretsStore, 'names'>;
  /** `verify` is left out: it marks the token used. */
  readonly tokens: Pick<TokensStore, 'count' | 'list' | 'get'>;
  /** Hooks without their secrets, deliveries and attempts; `secret` is left out (only the sender reads it). */
  readonly webhooks: Pick<WebhooksStore, 'get' | 'list' | 'delivery' | 'deliveries' | 'attempts'>;
  readonly trafficHistory: Pick<TrafficHistoryStore, 'list' | 'requests'>;
  readonly people: Pick<PeopleStore, 'get' | 'byName' | 'list' | 'roles' | 'rolesForApp' | 'allRoles' | 'countAdmins'>;
  readonly audit: Pick<AuditStore, 'list'>;
}
