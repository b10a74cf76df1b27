// Records as the API answers them: never a path on the server (the store keeps where each log file lives);
// instead the URL of the log endpoint that serves it.
import type { CertificateState } from '../domain/certificate-state.js';
import type { BuildRecord } from '../store/builds-store.js';
import type { DomainRecord } from '../store/domains-store.js';
import type { DeploymentRecord } from '../store/deployments-store.js';
import type { JobRunRecord } from '../store/job-runs-store.js';
import type { WebhookRecord } from '../store/webhooks-store.js';
import type { DeliveryWithAttempts } from '../pipeline/webhooks.js';
import type { RollbackChoice } from '../pipeline/plan-production-move.js';

type WithLogUrl<T> = Omit<T, 'logPath'> & { logUrl: string };

function withLogUrl<T extends { id: string; logPath: string }>(record: T, url: string): WithLogUrl<T> {
  const { logPath: _logPath, ...rest } = record;
  return { ...rest, logUrl: url };
}

export const buildAnswer = (b: BuildRecord) => withLogUrl(b, `/api/builds/${b.id}/log`);
export const deploymentAnswer = (d: DeploymentRecord) => withLogUrl(d, `/api/deployments/${d.id}/log`);
export const jobRunAnswer = (r: JobRunRecord) => withLogUrl(r, `/api/job-runs/${r.id}/log`);

/** A custom domain with its certificate as the certificate manager reports it (`off` without one). */
export const domainAnswer = (d: DomainRecord, certificateState: (host: string) => CertificateState) => ({
  domain: d.domain,
  environment: d.environment,
  createdAt: d.createdAt,
  certificate: certificateState(d.domain),
});

/** A webhook as the API shows it: never its secret (shown once, when made). */
export const webhookAnswer = (h: WebhookRecord) => ({
  id: h.id,
  app: h.app,
  url: h.url,
  events: h.events,
  allowPrivate: h.allowPrivate,
  createdBy: h.createdBy,
  createdAt: h.createdAt,
  deliveriesUrl: h.app ? `/api/apps/${h.app}/webhooks/${h.id}/deliveries` : `/api/webhooks/${h.id}/deliveries`,
});

/** A delivery with the event it carries and each attempt's answer (status, the answer's first bytes, duration, error). */
export const deliveryAnswer = (d: DeliveryWithAttempts) => ({
  id: d.id,
  webhookId: d.webhookId,
  app: d.app,
  event: d.event,
  eventId: d.eventId,
  status: d.status,
  nextAttemptAt: d.nextAttemptAt,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  redeliveryOf: d.redeliveryOf,
  createdAt: d.createdAt,
  finishedAt: d.finishedAt,
  payload: JSON.parse(d.payload) as unknown,
  attempts: d.attemptLog,
});

/** A release as the API and MCP answer it: its tag, commit (with subject and date), build, and whether production runs it. */
export function releaseAnswer(c: RollbackChoice) {
  return {
    tag: c.tag,
    commit: c.commit,
    subject: c.commitInfo?.subject ?? null,
    authoredAt: c.commitInfo?.authoredAt ?? null,
    current: c.current,
    build: c.build,
    imageRemoved: c.imageRemoved,
  };
}
