// Each app's access setting (protected previews): a row only for apps that changed it.
import type { AppAccess } from '../domain/app-access.js';
import type { Db } from './open-database.js';

interface Row {
  previews: AppAccess['previews'];
  production: AppAccess['production'];
}

export interface AppAccessStore {
  /** The app's setting; undefined when it never had one (everything public). */
  get(app: string): AppAccess | undefined;
  set(app: string, access: AppAccess, by: string): void;
}

export function createAppAccessStore(db: Db): AppAccessStore {
  const get = db.prepare<[string], Row>('SELECT previews, production FROM app_access WHERE app = ?');
  const set = db.prepare(
    `INSERT INTO app_access (app, previews, production, updated_by, updated_at) VALUES (@app, @previews, @production, @by, @at)
     ON CONFLICT (app) DO UPDATE SET previews = excluded.previews, production = excluded.production, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
  );
  return {
    get: (app) => {
      const row = get.get(app);
      return row ? { previews: row.previews, production: row.production } : undefined;
    },
    set: (app, access, by) => void set.run({ app, ...access, by, at: new Date().toISOString() }),
  };
}
