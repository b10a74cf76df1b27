// In-process notifications of pipeline progress, per app: what `git push` output, SSE streams and the UI follow.
import { EventEmitter } from 'node:events';

export type PipelineEvent =
  /** `rebuild`: the commit had been built, and its image was removed since (by retention, or from Docker by someone else). */
  | {
      type: 'build';
      app: string;
      buildId: string;
      commit: string;
      status: 'building' | 'succeeded' | 'failed';
      error?: string;
      reused?: boolean;
      rebuild?: 'retention' | 'docker';
    }
  /** `verdict`: the line says how the build ended (a failure), as the build record does. */
  | { type: 'build-line'; app: string; buildId: string; line: string; verdict?: true }
  | { type: 'deployment'; app: string; deploymentId: string; environment: string; commit: string; status: string; reason?: string; url?: string }
  | { type: 'deploy-line'; app: string; deploymentId: string; line: string; verdict?: true }
  | { type: 'job-run'; app: string; runId: string; status: 'running' | 'succeeded' | 'failed'; exitCode?: number | null }
  | { type: 'job-line'; app: string; runId: string; line: string }
  /** A generation's stream grew (read it from the store from the last seq you saw). */
  | { type: 'generation'; app: string; generationId: string; seq: number }
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
