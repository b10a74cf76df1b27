// App rows: the index of what repos exist (the repos themselves are the truth).
import { ConflictError } from '../shared/errors.js';
import type { Db } from './open-database.js';

export interface AppRecord {
  name: string;
  template: string;
  description: string;
  createdAt: string;
}

interface Row {
  name: string;
  template: string;
  description: string;
  created_at: string;
}

const toRecord = (r: Row): AppRecord => ({ name: r.name, template: r.template, description: r.description, createdAt: r.created_at });

export interface AppsStore {
  /** Throws ConflictError (APP_EXISTS) when the name is taken. */
  insert(app: AppRecord): void;
  get(name: string): AppRecord | undefined;
  list(): AppRecord[];
  remove(name: string): boolean;
}

export function createAppsStore(db: Db): AppsStore {
  const insert = db.prepare('INSERT INTO apps (name, template, description, created_at) VALUES (@name, @template, @description, @createdAt)');
  const get = db.prepare<[string], Row>('SELECT * FROM apps WHERE name = ?');
  const list = db.prepare<[], Row>('SELECT * FROM apps ORDER BY name');
  const remove = db.prepare('DELETE FROM apps WHERE name = ?');
  return {
    insert: (app) => {
      try {
        insert.run(app);
      } catch (e) {
        // Two creates of one name that both got past the existence check: the second row is the loser's.
        if ((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || (e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE')
          throw new ConflictError(`an app named ${app.name} already exists`, 'APP_EXISTS');
        throw e;
      }
    },
    get: (name) => {
      const row = get.get(name);
      return row ? toRecord(row) : undefined;
    },
    list: () => list.all().map(toRecord),
    remove: (name) => remove.run(name).changes > 0,
  };
}
