// Runs a scheduled job's image once (from the schedule or by hand), recording the run and its log.
import { openLineLog } from '../shared/line-log.js';
import { readAppSettings } from './read-app-settings.js';
import { repoPath } from '../git/repo-path.js';
import { ConflictError, NotFoundError, messageOf } from '../shared/errors.js';
import type { JobRunRecord } from '../store/job-runs-store.js';
import type { PipelineDeps } from './deps.js';
import { logPath } from './log-paths.js';
import { secretValues } from './secrets.js';
import type { WorkTracker } from './work-tracker.js';

/** Starts a run and returns its record at once; the run goes on in the background. */
export async function startJobRun(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events' | 'runtime'>,
  app: string,
  environment: string,
  trigger: 'schedule' | 'manual',
  work: WorkTracker,
): Promise<{ run: JobRunRecord; done: Promise<JobRunRecord> }> {
  work.checkOpen();
  const env = deps.config.environments.find((e) => e.name === environment);
  if (!env) throw new NotFoundError(`no environment named ${environment}`);
  const live = deps.store.deployments.live(app, environment);
  if (!live?.image) throw new ConflictError(`${env.title} of ${app} runs nothing yet`);
  const settings = await readAppSettings(repoPath(deps.config.dataDir, app), live.commit);
  if (settings.kind !== 'job') throw new ConflictError(`${app} is not a scheduled job (its slipway.yaml has no schedule)`);
  const run = deps.store.jobRuns.start({ app, environment, commit: live.commit, trigger, logPath: (id) => logPath(deps.config.dataDir, 'jobs', id) });
  deps.events.emit({ type: 'job-run', app, runId: run.id, status: 'running', trigger });
  const log = openLineLog(run.logPath, (line) => deps.events.emit({ type: 'job-line', app, runId: run.id, line }), deps.config.maxLogBytes);
  const done = (async () => {
    let exitCode: number | null = null;
    try {
      const result = await deps.runtime.runJob(
        {
          app,
          environment: env,
          commit: live.commit,
          image: live.image!,
          settings,
          secrets: secretValues(deps, app, environment),
          deploymentId: live.id,
        },
        (line) => log.line(line),
        work.signal,
      );
      exitCode = result.exitCode;
      log.line(`exited with code ${exitCode ?? 'unknown'}`);
    } catch (e) {
      log.line(`the run failed: ${messageOf(e)}`);
    } finally {
      log.close();
    }
    deps.store.jobRuns.finish(run.id, exitCode);
    deps.events.emit({ type: 'job-run', app, runId: run.id, status: exitCode === 0 ? 'succeeded' : 'failed', exitCode, trigger });
    return deps.store.jobRuns.get(run.id)!;
  })();
  return { run, done: work.track(done) };
}
