// Keeps one cron timer per live scheduled-job environment, following what is deployed.
import { Cron } from 'croner';
import { readAppSettings } from './read-app-settings.js';
import { repoPath } from '../git/repo-path.js';
import { messageOf } from '../shared/errors.js';
import type { PipelineDeps } from './deps.js';
import { startJobRun } from './run-job.js';
import type { WorkTracker } from './work-tracker.js';

export interface JobScheduler {
  /** Re-reads what the app's environments run and (re)schedules their jobs. */
  sync(app: string): Promise<void>;
  stopAll(): void;
}

export function createJobScheduler(deps: Pick<PipelineDeps, 'config' | 'store' | 'events' | 'runtime' | 'log'>, work: WorkTracker): JobScheduler {
  const timers = new Map<string, { cron: Cron; commit: string; schedule: string }>();
  const log = deps.log.child('jobs');
  return {
    async sync(app) {
      for (const env of deps.config.environments) {
        const key = `${app}/${env.name}`;
        const live = deps.store.apps.get(app) ? deps.store.deployments.live(app, env.name) : undefined;
        let schedule: string | undefined;
        if (live) {
          try {
            schedule = (await readAppSettings(repoPath(deps.config.dataDir, app), live.commit)).schedule;
          } catch {
            schedule = undefined;
          }
        }
        const current = timers.get(key);
        if (current && (!live || current.commit !== live.commit || current.schedule !== schedule)) {
          current.cron.stop();
          timers.delete(key);
        }
        if (live && schedule && !timers.has(key)) {
          const cron = new Cron(schedule, { timezone: 'UTC', protect: true }, () => {
            void startJobRun(deps, app, env.name, 'schedule', work).catch((e: unknown) =>
              log.warn('scheduled run could not start', { app, environment: env.name, error: messageOf(e) }),
            );
          });
          timers.set(key, { cron, commit: live.commit, schedule });
        }
      }
    },
    stopAll() {
      for (const t of timers.values()) t.cron.stop();
      timers.clear();
    },
  };
}
