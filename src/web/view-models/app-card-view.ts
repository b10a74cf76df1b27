// An app's card on the home page: template, description and each environment's status, commit and URL. It
// reads only the database (no git), so that the home page of 200 apps stays fast.
import type { AppTemplate } from '../../git/app-templates.js';
import { environmentUrl } from '../../domain/host-for.js';
import type { PipelineReads } from '../../pipeline/pipeline-reads.js';
import type { AppRecord } from '../../store/apps-store.js';
import { environmentStatus, statusView, type StatusView } from './status-view.js';
import { requestsSparkline } from './traffic-view.js';

export interface EnvironmentBadgeView extends StatusView {
  name: string;
  title: string;
  url: string;
  /** The commit serving (or being deployed when nothing serves yet). */
  commit: string | null;
  /** A deploy is moving it to another commit. */
  movingTo: string | null;
}

export interface AppCardView {
  name: string;
  href: string;
  template: { name: string; title: string };
  description: string;
  environments: EnvironmentBadgeView[];
  /** Requests of the last 24 hours (all environments): the SVG (escaped where it is made) and the total. */
  requests: { svg: string; total: number };
}

export function appCardView(read: Pick<PipelineReads, 'config' | 'store'>, templates: readonly AppTemplate[], app: AppRecord): AppCardView {
  const template = templates.find((t) => t.name === app.template);
  return {
    name: app.name,
    href: `/apps/${app.name}`,
    template: { name: app.template, title: template?.title ?? app.template },
    description: app.description,
    requests: requestsSparkline(read, app.name),
    environments: read.config.environments.map((env) => {
      const live = read.store.deployments.live(app.name, env.name);
      const latest = read.store.deployments.latest(app.name, env.name);
      const status = environmentStatus(latest, live);
      const busy = latest && ['queued', 'building', 'deploying'].includes(latest.status);
      return {
        name: env.name,
        title: env.title,
        url: environmentUrl(read.config, env, app.name),
        ...statusView(status),
        commit: live?.commit ?? null,
        movingTo: busy && latest.commit !== live?.commit ? latest.commit : null,
      };
    }),
  };
}
