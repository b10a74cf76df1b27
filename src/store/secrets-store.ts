// App secrets per environment. They live here, never in git; values are write-only through the API, and sealed
// at rest (secret-box.ts): the database alone reveals no value.
import type { Db } from './open-database.js';
import { SEALED_PREFIX, type SecretBox } from './secret-box.js';

export interface SecretsStore {
  set(app: string, environment: string, name: string, value: string): void;
  remove(app: string, environment: string, name: string): boolean;
  /** Names only, for display. */
  names(app: string, environment: string): string[];
  /** Name → value, for the runtime. */
  values(app: string, environment: string): Record<string, string>;
}

const rowOf = (app: string, environment: string, name: string) => `${app}\0${environment}\0${name}`;

export function createSecretsStore(db: Db, box: SecretBox): SecretsStore {
  const upsert = db.prepare(
    'INSERT INTO secrets (app, environment, name, value, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (app, environment, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );
  const remove = db.prepare('DELETE FROM secrets WHERE app = ? AND environment = ? AND name = ?');
  const all = db.prepare<[string, string], { name: string; value: string }>('SELECT name, value FROM secrets WHERE app = ? AND environment = ? ORDER BY name');
  sealPlainValues(db, box);
  return {
    set: (app, env, name, value) => void upsert.run(app, env, name, box.seal(value, rowOf(app, env, name)), new Date().toISOString()),
    remove: (app, env, name) => remove.run(app, env, name).changes > 0,
    names: (app, env) => all.all(app, env).map((r) => r.name),
    values: (app, env) => Object.fromEntries(all.all(app, env).map((r) => [r.name, box.open(r.value, rowOf(app, env, r.name))])),
  };
}

/** Values stored before secrets were sealed are sealed now, in one transaction (only those rows are read). */
function sealPlainValues(db: Db, box: SecretBox): void {
  const plain = db
    .prepare<[number, string], { app: string; environment: string; name: string; value: string }>(
      'SELECT app, environment, name, value FROM secrets WHERE substr(value, 1, ?) <> ?',
    )
    .all(SEALED_PREFIX.length, SEALED_PREFIX);
  if (plain.length === 0) return;
  const update = db.prepare('UPDATE secrets SET value = ? WHERE app = ? AND environment = ? AND name = ?');
  db.transaction(() => {
    for (const r of plain) update.run(box.seal(r.value, rowOf(r.app, r.environment, r.name)), r.app, r.environment, r.name);
  })();
}
