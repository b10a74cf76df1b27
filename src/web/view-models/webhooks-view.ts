// The webhooks page of an app (or the global one): each hook with its events and newest deliveries (status, the
// receiver's answer per attempt, what happens next), the events a new hook can subscribe to, and — right after
// one was made — its secret, shown this once.
import { WEBHOOK_EVENTS, WEBHOOK_EVENT_TITLES } from '../../domain/webhook-events.js';
import type { Webhooks } from '../../pipeline/webhooks.js';
import type { WebhookRecord } from '../../store/webhooks-store.js';

/** Deliveries shown per hook (the API lists up to 200). */
const SHOWN = 10;

export interface WebhooksView {
  /** Where the page's forms post: `/apps/NAME/webhooks` or `/webhooks`. */
  base: string;
  app: string | null;
  events: { name: string; title: string }[];
  hooks: HookView[];
  /** The hook just made and its secret (only in the answer to the form that made it). */
  created: { id: string; url: string; secret: string } | null;
  /** Whether this person may let a hook reach private addresses (admins), and whether the setting already does. */
  canAllowPrivate: boolean;
  allowPrivateEverywhere: boolean;
}

interface HookView {
  id: string;
  url: string;
  events: string[];
  allowPrivate: boolean;
  createdBy: string;
  createdAt: string;
  deliveries: DeliveryView[];
}

interface DeliveryView {
  id: string;
  event: string;
  eventId: string;
  status: { status: string; label: string; tone: string };
  createdAt: string;
  next: string | null;
  lastError: string | null;
  redelivery: boolean;
  attempts: { attempt: number; startedAt: string; durationMs: number; statusCode: number | null; excerpt: string | null; error: string | null }[];
}

const STATUS = {
  succeeded: { label: 'delivered', tone: 'ok' },
  pending: { label: 'pending', tone: 'busy' },
  failed: { label: 'failed', tone: 'bad' },
} as const;

export function webhooksView(
  webhooks: Webhooks,
  app: string | null,
  options: { canAllowPrivate: boolean; allowPrivateEverywhere: boolean; created?: { hook: WebhookRecord; secret: string } },
): WebhooksView {
  return {
    base: app ? `/apps/${app}/webhooks` : '/webhooks',
    app,
    events: WEBHOOK_EVENTS.map((name) => ({ name, title: WEBHOOK_EVENT_TITLES[name] })),
    hooks: webhooks.list(app).map((h) => ({
      id: h.id,
      url: h.url,
      events: h.events.map((e) => WEBHOOK_EVENT_TITLES[e]),
      allowPrivate: h.allowPrivate,
      createdBy: h.createdBy,
      createdAt: h.createdAt,
      deliveries: webhooks.deliveries(app, h.id, SHOWN).map((d) => ({
        id: d.id,
        event: d.event,
        eventId: d.eventId,
        status: { status: d.status, ...STATUS[d.status] },
        createdAt: d.createdAt,
        next: d.status === 'pending' ? d.nextAttemptAt : null,
        lastError: d.lastError,
        redelivery: d.redeliveryOf !== null,
        attempts: d.attemptLog.map((a) => ({
          attempt: a.attempt,
          startedAt: a.startedAt,
          durationMs: a.durationMs,
          statusCode: a.statusCode,
          excerpt: a.responseExcerpt,
          error: a.error,
        })),
      })),
    })),
    created: options.created ? { id: options.created.hook.id, url: options.created.hook.url, secret: options.created.secret } : null,
    canAllowPrivate: options.canAllowPrivate,
    allowPrivateEverywhere: options.allowPrivateEverywhere,
  };
}
