// In-process notifications of pipeline progress, per app: what `git push` output, SSE streams and the UI follow.
import { EventEmitter } from 'node:events';

export type PipelineEvent =
  /** A git push was received and its ref updates recorded (`refs`: how many). */
  | { type: 'push'; app: string; refs: number }
  /**
   * `rebuild`: the commit had been built, and its image was removed since (by retention, or from Docker by someone
   * else). `superseded`: dropped from the queue unstarted, a newer commit of its ref being wanted.
   */
  | {
      type: 'build';
      app: string;
      buildId: string;
      commit: string;
      status: 'building' | 'succeeded' | 'failed' | 'superseded';
      error?: string;
      reused?: boolean;
      rebuild?: 'retention' | 'docker';
    }
  /**
   * A build waits for a free slot (SLIPWAY_BUILD_CONCURRENCY): said when it has to wait and whenever its place
   * changes (`position` 1 is next); its `build` event with `building` says when it starts.
   */
  | { type: 'build-queued'; app: string; buildId: string; commit: string; position: number; waiting: number; running: number }
  /** `verdict`: the line says how the build ended (a failure), as the build record does. */
  | { type: 'build-line'; app: string; buildId: string; line: string; verdict?: true }
  | { type: 'deployment'; app: string; deploymentId: string; environment: string; commit: string; status: string; reason?: string; url?: string }
  | { type: 'deploy-line'; app: string; deploymentId: string; line: string; verdict?: true }
  | {
      type: 'job-run';
      app: string;
      runId: string;
      status: 'running' | 'succeeded' | 'failed';
      exitCode?: number | null;
      /** What started the run: the app's schedule or a person. */
      trigger?: 'schedule' | 'manual';
    }
  | { type: 'job-line'; app: string; runId: string; line: string }
  /** A generation's stream grew (read it from the store from the last seq you saw). */
  | { type: 'generation'; app: string; generationId: string; seq: number }
  /**
   * Production's ref was moved (a publish or rollback from Slipway, a pushed release tag, a push to `prod`) and its
   * deployment queued: emitted by the intake once the move is recorded. `deployment` says when it serves.
   */
  | {
      type: 'release';
      app: string;
      action: 'publish' | 'rollback';
      environment: string;
      commit: string;
      /** What production ran before (null: the first publish). */
      previousCommit: string | null;
      /** The release tag, when the move named one. */
      tag: string | null;
      by: string;
      deploymentId: string;
    }
  /** A generation (with its fix attempts) ended: what its stream's `end` says. */
  | {
      type: 'generation-finished';
      app: string;
      generationId: string;
      status: string;
      commit: string | null;
      summary: string | null;
      url?: string;
      message?: string;
    }
  /** A custom domain was added to or removed from an environment (the certificate manager and the UI follow these). */
  | { type: 'domain'; app: string; environment: string; domain: string; change: 'added' | 'removed' };

export interface PipelineEvents {
  emit(event: PipelineEvent): void;
  /** Listens to one app's events (or all with '*'); returns the function that stops listening. */
  subscribe(app: string, listener: (event: PipelineEvent) => void): () => void;
}

export function createPipelineEvents(): PipelineEvents {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0); // one per watching client; they unsubscribe when they go
  return {
    emit(event) {
      emitter.emit(event.app, event);
      emitter.emit('*', event);
    },
    subscribe(app, listener) {
      emitter.on(app, listener);
      return () => emitter.off(app, listener);
    },
  };
}
