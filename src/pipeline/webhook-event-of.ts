// Which pipeline events become webhook events, and what their `data` says: the facts a receiver acts on (app,
// environment, commit, URL, reason), never a path on the server or a secret. Reasons and errors are cut to
// MAX_TEXT characters and redacted (a container's log tail may hold anything the app printed).
import type { Config } from '../config/load-config.js';
import { environmentUrl } from '../domain/host-for.js';
import type { WebhookEventType } from '../domain/webhook-events.js';
import { redact } from '../shared/redact.js';
import type { PipelineEvent } from './pipeline-events.js';

export interface WebhookEvent {
  type: WebhookEventType;
  app: string;
  data: Record<string, unknown>;
}

const MAX_TEXT = 2000;

export function webhookEventOf(e: PipelineEvent, config: Pick<Config, 'publicUrl' | 'domain' | 'environments'>): WebhookEvent | null {
  const appUrl = `${config.publicUrl}/apps/${e.app}`;
  switch (e.type) {
    case 'build':
      if (e.status !== 'failed') return null;
      return {
        type: 'build.failed',
        app: e.app,
        data: { buildId: e.buildId, commit: e.commit, error: text(e.error), logUrl: `${config.publicUrl}/api/builds/${e.buildId}/log`, appUrl },
      };
    case 'deployment': {
      if (e.status !== 'live' && e.status !== 'failed') return null;
      const base = { deploymentId: e.deploymentId, environment: e.environment, commit: e.commit, appUrl };
      return e.status === 'live'
        ? { type: 'deployment.live', app: e.app, data: { ...base, url: e.url ?? null } }
        : {
            type: 'deployment.failed',
            app: e.app,
            data: { ...base, reason: text(e.reason), logUrl: `${config.publicUrl}/api/deployments/${e.deploymentId}/log` },
          };
    }
    case 'release': {
      const env = config.environments.find((x) => x.name === e.environment);
      return {
        type: e.action === 'publish' ? 'release.published' : 'release.rolled_back',
        app: e.app,
        data: {
          environment: e.environment,
          commit: e.commit,
          previousCommit: e.previousCommit,
          tag: e.tag,
          by: e.by,
          deploymentId: e.deploymentId,
          url: env ? environmentUrl(config, env, e.app) : null,
          appUrl,
        },
      };
    }
    case 'generation-finished':
      return {
        type: 'generation.finished',
        app: e.app,
        data: {
          generationId: e.generationId,
          status: e.status,
          commit: e.commit,
          summary: e.summary,
          url: e.url ?? null,
          message: e.message ? text(e.message) : null,
          appUrl,
        },
      };
    case 'job-run':
      if (e.status !== 'failed') return null;
      return {
        type: 'job.failed',
        app: e.app,
        data: { runId: e.runId, exitCode: e.exitCode ?? null, trigger: e.trigger ?? null, logUrl: `${config.publicUrl}/api/job-runs/${e.runId}/log`, appUrl },
      };
    default:
      return null;
  }
}

function text(value: string | undefined): string | null {
  if (!value) return null;
  const cut = value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value;
  return redact(cut);
}
