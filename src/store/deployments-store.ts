// Deployment records: an environment asked to run a commit. `commit` is what was attempted; `appliedCommit`
// is what serves after the attempt (the same commit when live, the previous one when it failed).
import { newId } from '../shared/ids.js';
import type { Db } from './open-database.js';
import { toCamel } from './row-mapper.js';

export type DeploymentStatus = 'queued' | 'building' | 'deploying' | 'live' | 'failed' | 'superseded' | 'replaced';
export type DeploymentTrigger = 'push' | 'publish' | 'rollback' | 'reconcile' | 'create' | 'config' | 'generation' | 'revert';

export interface DeploymentRecord {
  id: string;
  app: string;
  environment: string;
  commit: string;
  image: string | null;
  buildId: string | null;
  status: DeploymentStatus;
  trigger: DeploymentTrigger;
  previousCommit: string | null;
  appliedCommit: string | null;
  reason: string | null;
  /** 1 when only a person can fix it (the app never got healthy); 0 when a later pass retries. */
  needsPerson: number;
  logPath: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** When retention removed the log file; null while it is kept. */
  logRemovedAt: string | null;
}

export interface DeploymentsStore {
  create(input: {
    app: string;
    environment: string;
    commit: string;
    trigger: DeploymentTrigger;
    previousCommit: string | null;
    logPath: (id: string) => string;
  }): DeploymentRecord;
  get(id: string): DeploymentRecord | undefined;
  list(app: string, limit?: number): DeploymentRecord[];
  /** Queued or running deployments of an environment, oldest first. */
  open(app: string, environment: string): DeploymentRecord[];
  /** The deployment serving the environment now. */
  live(app: string, environment: string): DeploymentRecord | undefined;
  latest(app: string, environment: string): DeploymentRecord | undefined;
  /** The environments of the app that have a live deployment (branch previews come and go). */
  liveEnvironments(app: string): string[];
  update(id: string, fields: Partial<Pick<DeploymentRecord, 'status' | 'image' | 'buildId' | 'appliedCommit' | 'reason'>>): void;
  start(id: string, status: 'building' | 'deploying'): void;
  finish(id: string, status: 'live' | 'failed' | 'superseded', fields?: { appliedCommit?: string | null; reason?: string | null; needsPerson?: number }): void;
  /** The live deployment of the environment other than `except` becomes `replaced`. */
  replaceLive(app: string, environment: string, except: string): void;
  /** Records left running by a crashed process become failed. Returns how many. */
  failInterrupted(reason: string): number;
  isActive(id: string): boolean;
}

export function createDeploymentsStore(db: Db): DeploymentsStore {
  const now = () => new Date().toISOString();
  const get = db.prepare<[string], Record<string, unknown>>('SELECT * FROM deployments WHERE id = ?');
  const list = db.prepare<[string, number], Record<string, unknown>>('SELECT * FROM deployments WHERE app = ? ORDER BY created_at DESC, rowid DESC LIMIT ?');
  const open = db.prepare<[string, string], Record<string, unknown>>(
    "SELECT * FROM deployments WHERE app = ? AND environment = ? AND status IN ('queued', 'building', 'deploying') ORDER BY created_at, rowid",
  );
  const live = db.prepare<[string, string], Record<string, unknown>>(
    "SELECT * FROM deployments WHERE app = ? AND environment = ? AND status = 'live' ORDER BY finished_at DESC, rowid DESC LIMIT 1",
  );
  const latest = db.prepare<[string, string], Record<string, unknown>>(
    'SELECT * FROM deployments WHERE app = ? AND environment = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
  );
  const liveEnvironments = db.prepare<[string], { environment: string }>("SELECT DISTINCT environment FROM deployments WHERE app = ? AND status = 'live'");
  const insert = db.prepare(
    'INSERT INTO deployments (id, app, environment, commit_sha, status, trigger, previous_commit, log_path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const replace = db.prepare("UPDATE deployments SET status = 'replaced' WHERE app = ? AND environment = ? AND status = 'live' AND id <> ?");
  const interrupted = db.prepare("UPDATE deployments SET status = 'failed', reason = ?, finished_at = ? WHERE status IN ('building', 'deploying')");
  const one = (row: Record<string, unknown> | undefined) => (row ? toCamel<DeploymentRecord>(row) : undefined);
  const columns: Record<string, string> = {
    status: 'status',
    image: 'image',
    buildId: 'build_id',
    appliedCommit: 'applied_commit',
    reason: 'reason',
    needsPerson: 'needs_person',
    startedAt: 'started_at',
    finishedAt: 'finished_at',
  };
  const update = (id: string, fields: Record<string, unknown>) => {
    const keys = Object.keys(fields).filter((k) => columns[k]);
    if (keys.length === 0) return;
    db.prepare(`UPDATE deployments SET ${keys.map((k) => `${columns[k]} = @${k}`).join(', ')} WHERE id = @id`).run({ ...fields, id });
  };
  return {
    create({ app, environment, commit, trigger, previousCommit, logPath }) {
      const id = newId('d');
      insert.run(id, app, environment, commit, 'queued', trigger, previousCommit, logPath(id), now());
      return one(get.get(id))!;
    },
    get: (id) => one(get.get(id)),
    list: (app, limit = 50) => list.all(app, limit).map((r) => toCamel<DeploymentRecord>(r)),
    open: (app, env) => open.all(app, env).map((r) => toCamel<DeploymentRecord>(r)),
    live: (app, env) => one(live.get(app, env)),
    latest: (app, env) => one(latest.get(app, env)),
    liveEnvironments: (app) => liveEnvironments.all(app).map((r) => r.environment),
    update: (id, fields) => update(id, fields),
    start: (id, status) => update(id, { status, startedAt: get.get(id)?.started_at ?? now() }),
    finish: (id, status, fields = {}) => update(id, { status, finishedAt: now(), ...fields }),
    replaceLive: (app, env, except) => void replace.run(app, env, except),
    failInterrupted: (reason) => interrupted.run(reason, now()).changes,
    isActive: (id) => {
      const s = get.get(id)?.status;
      return s === 'building' || s === 'deploying' || s === 'live';
    },
  };
}
