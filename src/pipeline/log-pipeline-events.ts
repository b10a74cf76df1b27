// The server's own log tells what the pipeline does: one line per step a person running `npm start` wants to see —
// a deployment asked for (a push, a publish, a rollback, a generation's commit), its build started and finished with
// its duration, the deployment live or failed with its duration, a generation finished, a scheduled job that failed.
// Lines carry the app, the environment, the short commit and the ids to look up; the streams of build and deploy
// output stay in their own logs.
import type { Logger } from '../shared/log.js';
import type { Store } from '../store/create-store.js';
import type { PipelineEvent, PipelineEvents } from './pipeline-events.js';

const short = (sha: string) => sha.slice(0, 12);
const since = (iso: string | null | undefined) => (iso ? Math.max(0, Date.now() - Date.parse(iso)) : undefined);

/** Listens to every app's events; returns the function that stops listening. */
export function logPipelineEvents(o: { events: PipelineEvents; store: Pick<Store, 'deployments' | 'generations' | 'builds'>; log: Logger }): () => void {
  const { store, log } = o;
  const generationsSaid = new Set<string>();

  const onEvent = (e: PipelineEvent): void => {
    switch (e.type) {
      case 'build': {
        const fields = { app: e.app, commit: short(e.commit), build: e.buildId };
        if (e.status === 'building') log.info(e.rebuild ? 'build started (its image was removed since)' : 'build started', fields);
        else {
          const record = store.builds.get(e.buildId);
          const durationMs = since(record?.startedAt ?? record?.createdAt);
          if (e.status === 'succeeded') log.info(e.reused ? 'build reused an image already built' : 'build finished', { ...fields, durationMs });
          else if (e.status === 'superseded') log.info('build dropped unstarted: a newer commit is wanted', fields);
          else log.warn('build failed', { ...fields, durationMs, error: e.error });
        }
        return;
      }
      case 'deployment': {
        const d = store.deployments.get(e.deploymentId);
        const fields = { app: e.app, environment: e.environment, commit: short(e.commit), deployment: e.deploymentId, trigger: d?.trigger };
        if (e.status === 'building') log.info(`deployment asked for (${d?.trigger ?? 'push'})`, fields);
        else if (e.status === 'live') log.info(`${e.environment} is live`, { ...fields, durationMs: since(d?.createdAt), url: e.url });
        else if (e.status === 'failed') log.warn(`${e.environment} deploy failed`, { ...fields, durationMs: since(d?.createdAt), reason: e.reason });
        return;
      }
      case 'job-run':
        if (e.status === 'failed') log.warn('job run failed', { app: e.app, run: e.runId, exitCode: e.exitCode });
        return;
      case 'generation': {
        if (generationsSaid.has(e.generationId)) return;
        const g = store.generations.get(e.generationId);
        if (!g || g.status === 'running') return;
        generationsSaid.add(e.generationId);
        const fields = {
          app: e.app,
          generation: e.generationId,
          by: g.requestedBy,
          commit: g.commit ? short(g.commit) : undefined,
          durationMs: since(g.createdAt),
        };
        if (g.commit) log.info('generation committed', { ...fields, files: g.files.length });
        else log.warn('generation ended without a commit', { ...fields, status: g.status, error: g.error ?? undefined });
        return;
      }
      default:
        return;
    }
  };
  return o.events.subscribe('*', onEvent);
}
