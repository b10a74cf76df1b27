// The about page's "Instant rollback" section: each environment's warmReleases and what the warm containers hold.
import type { EnvironmentDef } from '../../domain/types.js';
import type { Pipeline } from '../../pipeline/create-pipeline.js';
import { formatSize } from './disk-use-view.js';

type WarmRelease = NonNullable<Awaited<ReturnType<Pipeline['warmReleases']>>>[number];

export interface WarmReleasesView {
  environments: { title: string; warmReleases: number }[];
  /** False on a runtime that keeps none (Kubernetes). */
  kept: boolean;
  /** Null when there is no list: the runtime keeps none, or Docker did not answer (`error`). */
  containers: { app: string; environment: string; commit: string; state: string; memory: string }[] | null;
  total: string | null;
  error: string | null;
}

export function warmReleasesView(environments: readonly EnvironmentDef[], warm: WarmRelease[] | null | Error): WarmReleasesView {
  const list = warm instanceof Error ? null : warm;
  return {
    environments: environments.map((e) => ({ title: e.title, warmReleases: e.warmReleases })),
    kept: warm !== null,
    containers:
      list?.map((w) => ({
        app: w.app,
        environment: w.environment,
        commit: w.commit.slice(0, 12),
        state: w.state,
        memory: w.memoryBytes === null ? 'unknown' : formatSize(w.memoryBytes),
      })) ?? null,
    total: list ? formatSize(list.reduce((sum, w) => sum + (w.memoryBytes ?? 0), 0)) : null,
    error: warm instanceof Error ? warm.message : null,
  };
}
