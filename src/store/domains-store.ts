// Custom domain rows: which app and environment a host name (beyond Slipway's own patterns) goes to.
import { ConflictError } from '../shared/errors.js';
import type { Db } from './open-database.js';

export interface DomainRecord {
  /** Normalised (lower case, no trailing dot): what the proxy looks a Host header up by. */
  domain: string;
  app: string;
  environment: string;
  createdAt: string;
}

interface Row {
  domain: string;
  app: string;
  environment: string;
  created_at: string;
}

const toRecord = (r: Row): DomainRecord => ({ domain: r.domain, app: r.app, environment: r.environment, createdAt: r.created_at });

export interface DomainsStore {
  /** Throws ConflictError (DOMAIN_TAKEN) when the domain is already a row, whoever's it is. */
  add(record: DomainRecord): void;
  remove(domain: string): boolean;
  /** One prepared statement: the proxy asks this for every Host that no pattern routes. */
  get(domain: string): DomainRecord | undefined;
  list(): DomainRecord[];
  listForApp(app: string): DomainRecord[];
}

export function createDomainsStore(db: Db): DomainsStore {
  const insert = db.prepare('INSERT INTO domains (domain, app, environment, created_at) VALUES (@domain, @app, @environment, @createdAt)');
  const remove = db.prepare('DELETE FROM domains WHERE domain = ?');
  const get = db.prepare<[string], Row>('SELECT * FROM domains WHERE domain = ?');
  const list = db.prepare<[], Row>('SELECT * FROM domains ORDER BY domain');
  const listForApp = db.prepare<[string], Row>('SELECT * FROM domains WHERE app = ? ORDER BY environment, domain');
  return {
    add: (record) => {
      try {
        insert.run(record);
      } catch (e) {
        // Two adds of one domain that both got past the pipeline's check: the primary key decides.
        if ((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
          throw new ConflictError(`${record.domain} is already a custom domain`, 'DOMAIN_TAKEN');
        throw e;
      }
    },
    remove: (domain) => remove.run(domain).changes > 0,
    get: (domain) => {
      const row = get.get(domain);
      return row ? toRecord(row) : undefined;
    },
    list: () => list.all().map(toRecord),
    listForApp: (app) => listForApp.all(app).map(toRecord),
  };
}
