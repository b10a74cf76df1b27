// What outbound webhooks can be subscribed to: the event names receivers see (the `type` of the body and the
// `X-Slipway-Event` header), checked at the edge when a hook is made.
import { InvalidInputError } from '../shared/errors.js';

export const WEBHOOK_EVENTS = [
  'build.failed',
  'deployment.live',
  'deployment.failed',
  'release.published',
  'release.rolled_back',
  'generation.finished',
  'job.failed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** How the UI names each event (the words of the UI: build, deployment, publish, rollback, generation). */
export const WEBHOOK_EVENT_TITLES: Readonly<Record<WebhookEventType, string>> = {
  'build.failed': 'Build failed',
  'deployment.live': 'Deployment live',
  'deployment.failed': 'Deployment failed',
  'release.published': 'Published',
  'release.rolled_back': 'Rolled back',
  'generation.finished': 'Generation finished',
  'job.failed': 'Scheduled job failed',
};

export function isWebhookEvent(name: unknown): name is WebhookEventType {
  return typeof name === 'string' && (WEBHOOK_EVENTS as readonly string[]).includes(name);
}

/** A hook's events: a non-empty list of known names (`["*"]` means every event), deduplicated, in the list's order. */
export function parseWebhookEvents(input: unknown): WebhookEventType[] {
  if (input === undefined) return [...WEBHOOK_EVENTS];
  const list = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(list) || list.length === 0) throw new InvalidInputError(`events: expected a list of event names (${WEBHOOK_EVENTS.join(', ')}) or ["*"]`);
  if (list.length === 1 && list[0] === '*') return [...WEBHOOK_EVENTS];
  const unknown = list.filter((e) => !isWebhookEvent(e));
  if (unknown.length > 0)
    throw new InvalidInputError(
      `events: ${unknown.map((e) => JSON.stringify(e)).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not an event; expected ${WEBHOOK_EVENTS.join(', ')}`,
    );
  return WEBHOOK_EVENTS.filter((e) => list.includes(e));
}
