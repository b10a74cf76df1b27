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
  {
    version: 2,
    name: 'builds, deployments, secrets, job runs',
    sql: `
      CREATE TABLE builds (
        id TEXT PRIMARY KEY,
        app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        commit_sha TEXT NOT NULL,
        image TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'building', 'succeeded', 'failed', 'superseded')),
        reused INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        needs_person INTEGER NOT NULL DEFAULT 0,
        log_path TEXT NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
      );
      CREATE INDEX builds_app ON builds (app, created_at);
      CREATE INDEX builds_commit ON builds (app, commit_sha);
      CREATE TABLE deployments (
        id TEXT PRIMARY KEY,
        app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        environment TEXT NOT NULL,
        commit_sha TEXT NOT NULL,
        image TEXT,
        build_id TEXT,
        status TEXT NOT NULL CHECK (status IN ('queued', 'building', 'deploying', 'live', 'failed', 'superseded', 'replaced')),
        trigger TEXT NOT NULL,
        previous_commit TEXT,
        applied_commit TEXT,
        reason TEXT,
        needs_person INTEGER NOT NULL DEFAULT 0,
        log_path TEXT NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
      );
      CREATE INDEX deployments_app ON deployments (app, environment, created_at);
      CREATE TABLE secrets (
        app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        environment TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (app, environment, name)
      );
      CREATE TABLE job_runs (
        id TEXT PRIMARY KEY,
        app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        environment TEXT NOT NULL,
        commit_sha TEXT NOT NULL,
        trigger TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
        exit_code INTEGER,
        log_path TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE INDEX job_runs_app ON job_runs (app, started_at);
    `,
  },
  {
    version: 3,
    name: 'generations and their event streams',
    sql: `
      CREATE TABLE generations (
        id TEXT PRIMARY KEY,
        app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('request', 'fix', 'revert')),
        parent_id TEXT,
        prompt TEXT NOT NULL,
        requested_by TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'committed', 'live', 'nothing', 'failed')),
        summary TEXT,
        text TEXT NOT NULL DEFAULT '',
        files TEXT NOT NULL DEFAULT '[]',
        usage TEXT NOT NULL DEFAULT '{}',
        commit_sha TEXT,
        error_code TEXT,
        error TEXT,
        reverted_by TEXT,
        created_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE INDEX generations_app ON generations (app, created_at);
      CREATE TABLE generation_events (
        generation_id TEXT NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        event TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (generation_id, seq)
      );
    `,
  },
  {
    version: 4,
    name: 'custom domains',
    // One row per host name: the primary key is what makes a domain one app's only. Removed with the app.
    sql: `
      CREATE TABLE domains (
        domain TEXT PRIMARY KEY,
        app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        environment TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX domains_app ON domains (app, environment);
    `,
  },
  {
    version: 5,
    name: 'retention: removed images and logs',
    // Rows stay when retention removes what they point at; these say when it did (NULL: still there).
    sql: `
      ALTER TABLE builds ADD COLUMN image_removed_at TEXT;
      ALTER TABLE builds ADD COLUMN log_removed_at TEXT;
      ALTER TABLE deployments ADD COLUMN log_removed_at TEXT;
      ALTER TABLE job_runs ADD COLUMN log_removed_at TEXT;
      CREATE INDEX builds_succeeded ON builds (app, status, image_removed_at);
    `,
  },
  {
    version: 6,
    name: 'outbound webhooks and their deliveries',
    // A hook with no app is global (every app's events). Its secret is sealed like app secrets (secret-box.ts): it
    // signs every delivery, so it cannot be a hash. A delivery keeps the event it carries (the same event id in a
    // redelivery) and its next attempt's time, so a restart resumes what was pending; each attempt's answer is a row.
    // Deliveries name their app without a foreign key: a global hook's history outlives the app it spoke of.
    sql: `
      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        app TEXT REFERENCES apps(name) ON DELETE CASCADE,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        allow_private INTEGER NOT NULL DEFAULT 0,
        created_by TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
      );
      CREATE INDEX webhooks_app ON webhooks (app);
      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        app TEXT,
        event_id TEXT NOT NULL,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        last_status_code INTEGER,
        last_error TEXT,
        redelivery_of TEXT,
        created_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
      CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, created_at);
      CREATE TABLE webhook_attempts (
        delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        status_code INTEGER,
        response_excerpt TEXT,
        error TEXT,
        PRIMARY KEY (delivery_id, attempt)
      );
    `,
  },
  {
    version: 7,
    name: 'traffic history of each environment',
    // One row per app, environment, step (60 s for 24 h, 600 s for 14 days) and step start (unix seconds).
    // latency holds the bucket counts (JSON), so a longer step's percentiles come from the requests themselves.
    sql: `
      CREATE TABLE traffic_history (
        app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        environment TEXT NOT NULL,
        step INTEGER NOT NULL CHECK (step IN (60, 600)),
        start INTEGER NOT NULL,
        requests INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        latency TEXT NOT NULL DEFAULT '[]',
        memory_bytes INTEGER,
        PRIMARY KEY (app, step, start, environment)
      ) WITHOUT ROWID;
      CREATE INDEX traffic_history_age ON traffic_history (step, start);
    `,
  },
  {
    version: 8,
    name: 'people, roles, scoped tokens, sign-in links, the audit log',
    // Every token becomes a person's: tokens made before people existed were all admin tokens, so they go to the
    // person "admin" (made here, an admin), and an existing installation keeps working as before.
    sql: `
      CREATE TABLE people (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        email TEXT,
        admin INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
        created_at TEXT NOT NULL
      );
      INSERT INTO people (id, name, admin, created_at) VALUES ('per_admin', 'admin', 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
      CREATE TABLE roles (
        person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'developer', 'releaser')),
        granted_at TEXT NOT NULL,
        PRIMARY KEY (person_id, app)
      );
      CREATE INDEX roles_app ON roles (app);
      CREATE TABLE tokens_v6 (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        app TEXT,
        scopes TEXT NOT NULL DEFAULT '',
        expires_at TEXT,
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        last_used_from TEXT
      );
      INSERT INTO tokens_v6 (id, name, hash, person_id, created_at, last_used_at)
        SELECT id, name, hash, 'per_admin', created_at, last_used_at FROM tokens;
      DROP TABLE tokens;
      ALTER TABLE tokens_v6 RENAME TO tokens;
      CREATE INDEX tokens_person ON tokens (person_id, name);
      CREATE TABLE sign_in_links (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
      );
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        person_id TEXT,
        person TEXT NOT NULL,
        token TEXT,
        address TEXT,
        action TEXT NOT NULL,
        app TEXT,
        target TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_at ON audit (at);
      CREATE INDEX audit_app ON audit (app, id);
      CREATE INDEX audit_person ON audit (person_id, id);
      -- Append-only: a row once written is never changed (retention deletes whole old rows, nothing else does).
      CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
  },
  {
    version: 9,
    name: 'protected previews: access settings and share links',
    // No row: everything public. A share link is kept as the SHA-256 of its token (shown once), with its expiry;
    // revoking stamps revoked_at (the row stays, so the UI can say the link was revoked rather than unknown).
    sql: `
      CREATE TABLE app_access (
        app TEXT PRIMARY KEY REFERENCES apps(name) ON DELETE CASCADE,
        previews TEXT NOT NULL CHECK (previews IN ('public', 'protected')),
        production TEXT NOT NULL CHECK (production IN ('public', 'protected')),
        updated_by TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
      );
      CREATE TABLE share_links (
        id TEXT PRIMARY KEY,
        app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
        environment TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_by TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE INDEX share_links_app ON share_links (app, created_at);
    `,
  },
];
