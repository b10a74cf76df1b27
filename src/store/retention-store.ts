// What retention reads and marks: each app's built images (one per commit) and its log files (builds,
// deployments, job runs). Rows are never deleted here: a removed image or log only gets its time of removal.
import type { LogFacts, LogKind } from '../domain/plan-retention.js';
import type { Db } from './open-database.js';

/** A commit's image as its newest successful build left it. */
export interface BuiltImage {
  commit: string;
  image: string;
  builtAt: string;
  /** Retention removed it (a later use builds it again). */
  removed: boolean;
}

/**
 * A log file and what its row says of it. `open`: still being written (queued, building, deploying, running);
 * `live`: its deployment serves now (for a build: a deployment that serves used it).
 */
export interface LogFile extends LogFacts {
  path: string;
}

export interface RetentionStore {
  /** One entry per commit with a successful build, newest build first. */
  builtImages(app: string): BuiltImage[];
  /** Commits of deployments that serve, or are queued or running: their images are in use. */
  commitsInUse(app: string): Set<string>;
  /**
   * Marks the commit's image removed, unless a deployment uses the commit: checked and written in one transaction,
   * so a deploy that already reused the image is never left without it. Returns the mark's time, or null.
   */
  markImageRemoved(app: string, commit: string): string | null;
  /** Takes back a mark (the image could not be removed after all: a container still uses it). */
  unmarkImageRemoved(app: string, commit: string, markedAt: string): void;
  /** Every image the app's builds named that retention has not removed (a failed build's too: its push may have failed). */
  imagesLeft(app: string): string[];
  logFiles(app: string, kind: LogKind): LogFile[];
  markLogsRemoved(kind: LogKind, ids: readonly string[]): void;
}

const TABLES: Record<LogKind, { table: string; open: string; live: string }> = {
  builds: {
    table: 'builds',
    open: "status IN ('queued', 'building')",
    live: "id IN (SELECT build_id FROM deployments WHERE app = @app AND status = 'live' AND build_id IS NOT NULL)",
  },
  deployments: { table: 'deployments', open: "status IN ('queued', 'building', 'deploying')", live: "status = 'live'" },
  jobs: { table: 'job_runs', open: "status = 'running'", live: '0' },
};

interface LogRow {
  id: string;
  log_path: string;
  open: number;
  live: number;
  log_removed_at: string | null;
}

export function createRetentionStore(db: Db): RetentionStore {
  const built = db.prepare<[string], { commit_sha: string; image: string; created_at: string; image_removed_at: string | null }>(
    "SELECT commit_sha, image, created_at, image_removed_at FROM builds WHERE app = ? AND status = 'succeeded' ORDER BY created_at DESC, rowid DESC",
  );
  const inUse = db.prepare<[string], { commit_sha: string }>(
    "SELECT DISTINCT commit_sha FROM deployments WHERE app = ? AND status IN ('queued', 'building', 'deploying', 'live')",
  );
  const used = db.prepare<[string, string], { n: number }>(
    "SELECT COUNT(*) AS n FROM deployments WHERE app = ? AND commit_sha = ? AND status IN ('queued', 'building', 'deploying', 'live')",
  );
  const mark = db.prepare("UPDATE builds SET image_removed_at = ? WHERE app = ? AND commit_sha = ? AND status = 'succeeded' AND image_removed_at IS NULL");
  const left = db.prepare<[string], { image: string }>('SELECT DISTINCT image FROM builds WHERE app = ? AND image_removed_at IS NULL ORDER BY image');
  const unmark = db.prepare('UPDATE builds SET image_removed_at = NULL WHERE app = ? AND commit_sha = ? AND image_removed_at = ?');
  const logStatements = (kind: LogKind) => {
    const t = TABLES[kind];
    const order = kind === 'jobs' ? 'started_at' : 'created_at';
    return {
      list: db.prepare<{ app: string }, LogRow>(
        `SELECT id, log_path, (${t.open}) AS open, (${t.live}) AS live, log_removed_at FROM ${t.table} WHERE app = @app ORDER BY ${order} DESC, rowid DESC`,
      ),
      mark: db.prepare<[string, string]>(`UPDATE ${t.table} SET log_removed_at = ? WHERE id = ? AND log_removed_at IS NULL`),
    };
  };
  const logs: Record<LogKind, ReturnType<typeof logStatements>> = {
    builds: logStatements('builds'),
    deployments: logStatements('deployments'),
    jobs: logStatements('jobs'),
  };

  return {
    builtImages(app) {
      const seen = new Set<string>();
      const out: BuiltImage[] = [];
      for (const r of built.all(app)) {
        if (seen.has(r.commit_sha)) continue;
        seen.add(r.commit_sha);
        out.push({ commit: r.commit_sha, image: r.image, builtAt: r.created_at, removed: r.image_removed_at !== null });
      }
      return out;
    },
    commitsInUse: (app) => new Set(inUse.all(app).map((r) => r.commit_sha)),
    markImageRemoved: (app, commit) =>
      db.transaction(() => {
        if (used.get(app, commit)!.n > 0) return null;
        const at = new Date().toISOString();
        return mark.run(at, app, commit).changes > 0 ? at : null;
      })(),
    unmarkImageRemoved: (app, commit, markedAt) => void unmark.run(app, commit, markedAt),
    imagesLeft: (app) => left.all(app).map((r) => r.image),
    logFiles(app, kind) {
      return logs[kind].list
        .all({ app })
        .map((r) => ({ id: r.id, path: r.log_path, open: r.open === 1, live: r.live === 1, removed: r.log_removed_at !== null }));
    },
    markLogsRemoved(kind, ids) {
      const at = new Date().toISOString();
      db.transaction(() => {
        for (const id of ids) logs[kind].mark.run(at, id);
      })();
    },
  };
}
