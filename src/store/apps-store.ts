// App rows: the index of what repos exist (the repos themselves are the truth).
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
    insert: (app) => void insert.run(app),
    get: (name) => {
      const row = get.get(name);
      return row ? toRecord(row) : undefined;
    },
    list: () => list.all().map(toRecord),
    remove: (name) => remove.run(name).changes > 0,
  };
}
