// App secrets per environment. They live here, never in git; values are write-only through the API.
import type { Db } from './open-database.js';

export interface SecretsStore {
  set(app: string, environment: string, name: string, value: string): void;
  remove(app: string, environment: string, name: string): boolean;
  /** Names only, for display. */
  names(app: string, environment: string): string[];
  /** Name → value, for the runtime. */
  values(app: string, environment: string): Record<string, string>;
}

export function createSecretsStore(db: Db): SecretsStore {
  const upsert = db.prepare(
    'INSERT INTO secrets (app, environment, name, value, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (app, environment, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );
  const remove = db.prepare('DELETE FROM secrets WHERE app = ? AND environment = ? AND name = ?');
  const all = db.prepare<[string, string], { name: string; value: string }>('SELECT name, value FROM secrets WHERE app = ? AND environment = ? ORDER BY name');
  return {
    set: (app, env, name, value) => void upsert.run(app, env, name, value, new Date().toISOString()),
    remove: (app, env, name) => remove.run(app, env, name).changes > 0,
    names: (app, env) => all.all(app, env).map((r) => r.name),
    values: (app, env) => Object.fromEntries(all.all(app, env).map((r) => [r.name, r.value])),
  };
}
