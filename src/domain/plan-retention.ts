// Retention, planned with no I/O: which of an app's images and log files stay and which go. An image stays when an
// environment runs it (or is about to), when it is one of the newest releases besides the one production runs, or
// when it is one of the newest successful builds; every other image goes. Of each kind of log (builds, deployments,
// job runs) the newest stay, and any that is still written or belongs to what serves. src/pipeline/apply-retention.ts
// gathers the facts and applies the plan.

/** Audit entries from before this moment are removed (SLIPWAY_KEEP_AUDIT_DAYS): whole days back from `now`. */
export function auditCutoff(now: Date, keepDays: number): string {
  return new Date(now.getTime() - keepDays * 86_400_000).toISOString();
}

export type LogKind = 'builds' | 'deployments' | 'jobs';

export const LOG_KINDS: readonly LogKind[] = ['builds', 'deployments', 'jobs'];

export interface RetentionLimits {
  /** Releases besides the one production runs (SLIPWAY_KEEP_RELEASES). */
  keepReleases: number;
  /** The newest successful builds (SLIPWAY_KEEP_BUILDS). */
  keepBuilds: number;
  /** Logs of each kind (SLIPWAY_KEEP_LOGS). */
  keepLogs: number;
}

/** Why an image stays. */
export type KeepReason = 'runs' | 'release' | 'recent build';

export interface LogFacts {
  id: string;
  /** Still being written. */
  open: boolean;
  /** It belongs to what serves now. */
  live: boolean;
  removed: boolean;
}

export interface RetentionFacts {
  /** Commits an environment runs, is deploying or follows (where its ref points): never removed. */
  inUse: readonly string[];
  /** The app's releases, newest first. */
  releases: readonly { tag: string; commit: string }[];
  /** What production runs (null: nothing); its own release is in `inUse`, not counted among the releases kept. */
  productionCommit: string | null;
  /** One per commit with a successful build, newest build first; `removed`: retention already removed it. */
  images: readonly { commit: string; removed: boolean }[];
  /** Each kind of log, newest first. */
  logs: Readonly<Record<LogKind, readonly LogFacts[]>>;
}

export interface RetentionPlan {
  /** Images that stay (and are there), with why. */
  keep: { commit: string; reasons: KeepReason[] }[];
  /** Commits whose images go, newest first. */
  remove: string[];
  /** Log files that go (their rows stay, marked). */
  removeLogs: { kind: LogKind; id: string }[];
}

export function planRetention(facts: RetentionFacts, limits: RetentionLimits): RetentionPlan {
  const reasons = new Map<string, KeepReason[]>();
  const because = (commit: string, why: KeepReason) => {
    const list = reasons.get(commit) ?? [];
    if (!list.includes(why)) list.push(why);
    reasons.set(commit, list);
  };
  for (const commit of facts.inUse) because(commit, 'runs');
  // Besides the one production runs, so that after a rollback the releases it went back from stay as well.
  const releases = facts.releases.filter((r) => r.commit !== facts.productionCommit).slice(0, limits.keepReleases);
  for (const r of releases) because(r.commit, 'release');
  // The newest builds, counted whether or not their images are still there: "the last N builds", not N survivors.
  for (const image of facts.images.slice(0, limits.keepBuilds)) because(image.commit, 'recent build');

  const present = facts.images.filter((i) => !i.removed);
  const removeLogs: RetentionPlan['removeLogs'] = [];
  for (const kind of LOG_KINDS) {
    facts.logs[kind].forEach((log, i) => {
      if (i >= limits.keepLogs && !log.open && !log.live && !log.removed) removeLogs.push({ kind, id: log.id });
    });
  }
  return {
    keep: present.flatMap((i) => {
      const why = reasons.get(i.commit);
      return why ? [{ commit: i.commit, reasons: why }] : [];
    }),
    remove: present.filter((i) => !reasons.has(i.commit)).map((i) => i.commit),
    removeLogs,
  };
}

/** What a log that retention removed says instead of its lines (the API's log endpoints, the log page). */
export function removedLogNote(removedAt: string, keepLogs: number): string {
  return `This log was removed by retention on ${removedAt.slice(0, 10)}: Slipway keeps the ${keepLogs} newest logs of each kind per app (SLIPWAY_KEEP_LOGS), and those of what serves.`;
}
