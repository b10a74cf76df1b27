// Branded types for values checked at the edge, and the shapes shared across layers.

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** An app name that passed `parseAppName`. */
export type AppName = Brand<string, 'AppName'>;
/** A full 40-hex commit id (what `isSha` checked). */
export type CommitSha = Brand<string, 'CommitSha'>;

export const ZERO_SHA = '0000000000000000000000000000000000000000';

export function isSha(value: string): value is CommitSha {
  return /^[0-9a-f]{40}$/.test(value);
}

export function shortSha(sha: string): string {
  return sha.slice(0, 12);
}

export interface HealthCheck {
  /** Default path; an app's slipway.yaml may override it. */
  path: string;
  /** Seconds one probe may take. */
  timeoutSeconds: number;
  /** Seconds between probes. */
  intervalSeconds: number;
  /** Probes before the deployment is failed. */
  attempts: number;
}

export interface EnvironmentDef {
  /** File name without `.yaml`: `preview`, `prod`, `staging`… */
  name: string;
  /** What people call it in the UI. */
  title: string;
  /** The ref whose commit this environment runs. */
  ref: string;
  /** Host name pattern with `{app}` and `{domain}` placeholders. */
  host: string;
  /** Release tags matching this glob move `ref` to the tagged commit (production only). */
  releaseTags?: string;
  replicas: number;
  resources: { cpu: string; memory: string };
  health: HealthCheck;
  /** Seconds the old container keeps running after traffic has moved. */
  graceSeconds: number;
  /**
   * Previous releases whose containers stay warm (Docker: paused, not removed), so that a rollback or publish to one
   * only switches traffic. Default 1 for production, 0 elsewhere; Kubernetes ignores it (see ARCHITECTURE.md).
   */
  warmReleases: number;
  /**
   * Only on a branch preview (src/domain/branch-environment.ts): the branch it follows, and the environment whose
   * settings and secrets it takes (the preview environment). Environments from files have neither.
   */
  branch?: { name: string; slug: string; basis: string };
}

/** What belongs to the code, from `slipway.yaml` at the commit being deployed. */
export interface AppSettings {
  /** `web` serves HTTP on `port`; `job` runs to completion on `schedule`. */
  kind: 'web' | 'job';
  port: number;
  healthPath: string;
  /** Cron expression (5 fields) for jobs. */
  schedule?: string;
  /** Plain variables from slipway.yaml (they live in the repo). */
  env: Record<string, string>;
  /** The image's files cannot be changed while it runs (`readOnly: true`); only `writable` folders can. */
  readOnly?: boolean;
  /** With readOnly: folders that are writable, empty at each start, in memory (default /tmp). */
  writable?: string[];
}
