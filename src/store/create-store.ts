// The store: one database and the record sets over it.
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createAppsStore, type AppsStore } from './apps-store.js';
import { createBuildsStore, type BuildsStore } from './builds-store.js';
import { createDeploymentsStore, type DeploymentsStore } from './deployments-store.js';
import { createDomainsStore, type DomainsStore } from './domains-store.js';
import { createGenerationsStore, type GenerationsStore } from './generations-store.js';
import { createJobRunsStore, type JobRunsStore } from './job-runs-store.js';
import { createSecretsStore, type SecretsStore } from './secrets-store.js';
import { loadSecretBox, secretBox } from './secret-box.js';
import { openDatabase, type Db } from './open-database.js';
import { createRefUpdatesStore, type RefUpdatesStore } from './ref-updates-store.js';
import { createRetentionStore, type RetentionStore } from './retention-store.js';
import { createTokensStore, type TokensStore } from './tokens-store.js';
import { createWebhooksStore, type WebhooksStore } from './webhooks-store.js';
import { createTrafficHistoryStore, type TrafficHistoryStore } from './traffic-history-store.js';
import { createPeopleStore, type PeopleStore } from './people-store.js';
import { createSignInLinksStore, type SignInLinksStore } from './sign-in-links-store.js';
import { createAuditStore, type AuditStore } from './audit-store.js';
import { createAppAccessStore, type AppAccessStore } from './app-access-store.js';
import { createShareLinksStore, type ShareLinksStore } from './share-links-store.js';

export interface Store {
  readonly db: Db;
  readonly apps: AppsStore;
  readonly tokens: TokensStore;
  readonly people: PeopleStore;
  readonly signInLinks: SignInLinksStore;
  /** Who changed what, when and from where (append-only). */
  readonly audit: AuditStore;
  readonly refUpdates: RefUpdatesStore;
  readonly builds: BuildsStore;
  readonly deployments: DeploymentsStore;
  readonly secrets: SecretsStore;
  readonly jobRuns: JobRunsStore;
  readonly generations: GenerationsStore;
  readonly domains: DomainsStore;
  /** Each app's images and log files as retention sees them (src/pipeline/apply-retention.ts). */
  readonly retention: RetentionStore;
  /** Outbound webhooks, their deliveries and attempts (secrets sealed like app secrets). */
  readonly webhooks: WebhooksStore;
  /** Each environment's traffic over time, for the charts (src/pipeline/traffic-recorder.ts writes it). */
  readonly trafficHistory: TrafficHistoryStore;
  /** Who may open each app's environments (protected previews), and share links to protected ones. */
  readonly appAccess: AppAccessStore;
  readonly shareLinks: ShareLinksStore;
  /** Runs `fn` in one transaction: every write in it is committed together or not at all. */
  transaction<T>(fn: () => T): T;
  close(): void;
}

export function databasePath(dataDir: string): string {
  return join(dataDir, 'slipway.db');
}

/** The database at `path`; secrets are sealed with the key file beside it (a new key for ':memory:'). */
export function createStore(path: string): Store {
  const db = openDatabase(path);
  const box = path === ':memory:' ? secretBox(randomBytes(32)) : loadSecretBox(dirname(path));
  return {
    db,
    apps: createAppsStore(db),
    tokens: createTokensStore(db),
    people: createPeopleStore(db),
    signInLinks: createSignInLinksStore(db),
    audit: createAuditStore(db),
    refUpdates: createRefUpdatesStore(db),
    builds: createBuildsStore(db),
    deployments: createDeploymentsStore(db),
    secrets: createSecretsStore(db, box),
    jobRuns: createJobRunsStore(db),
    generations: createGenerationsStore(db),
    domains: createDomainsStore(db),
    retention: createRetentionStore(db),
    webhooks: createWebhooksStore(db, box),
    trafficHistory: createTrafficHistoryStore(db),
    appAccess: createAppAccessStore(db),
    shareLinks: createShareLinksStore(db),
    transaction: (fn) => db.transaction(fn)(),
    close: () => db.close(),
  };
}
