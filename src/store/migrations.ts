// Versioned schema migrations, applied in order inside one transaction each; PRAGMA user_version is the version.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'apps, tokens, ref updates',
    sql: `
      CREATE TABLE apps (
        name TEXT PRIMARY KEY,
        template TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
      );
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin')),
        created_at TEXT NOT NULL,
        last_used_at TEXT
      );
      CREATE TABLE ref_updates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        ref TEXT NOT NULL,
        old_sha TEXT NOT NULL,
        new_sha TEXT NOT NULL,
        kind TEXT NOT NULL,
        environment TEXT,
        pusher TEXT NOT NULL DEFAULT '',
        push_options TEXT NOT NULL DEFAULT '[]',
        received_at TEXT NOT NULL,
        processed_at TEXT,
        outcome TEXT
      );
      CREATE INDEX ref_updates_pending ON ref_updates (processed_at, id);
      CREATE INDEX ref_updates_app ON ref_updates (app, id);
    `,
  },
];
