// Outbound webhooks: hooks per app and global, made and removed here; a notifier that turns pipeline events into
// deliveries (persisted before anything is sent, so a restart resumes what was pending); and a sender that works
// through due deliveries a few at a time, signing each body with the hook's secret, and retrying with exponential
// backoff (src/domain/plan-webhook-retry.ts). Started by the server only (`start()`), like backups and retention.
import { createHmac, randomBytes } from 'node:crypto';
import { parseWebhookEvents, type WebhookEventType } from '../domain/webhook-events.js';
import { parseWebhookUrl, webhookOrigin } from '../domain/webhook-url.js';
import { planWebhookRetry, parseRetryAfter, type WebhookAttemptOutcome } from '../domain/plan-webhook-retry.js';
import { ConflictError, InvalidInputError, NotFoundError, WebhookUrlRefusedError, messageOf } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { redact, registerSecret } from '../shared/redact.js';
import type { AttemptRecord, DeliveryRecord, WebhookRecord } from '../store/webhooks-store.js';
import type { PipelineDeps } from './deps.js';
import { sendWebhook } from './send-webhook.js';
import { webhookEventOf } from './webhook-event-of.js';
import { createWebhookTargets, WebhookDnsError, type WebhookTargets } from './webhook-target.js';

/** Hooks per app, and global ones. */
export const MAX_HOOKS = 20;
/** Attempts sent at once (across every hook). */
const CONCURRENCY = 4;
/** The sender looks at the table at least this often (a delivery queued by another process, a clock jump). */
const MAX_SLEEP_MS = 60_000;

export interface NewWebhook {
  /** null: a global hook (every app's events). */
  app: string | null;
  url: unknown;
  events: unknown;
  /** Let the hook reach loopback, private and this server's addresses: the web layer passes it for admins only. */
  allowPrivate: boolean;
  by: string;
}

export interface DeliveryWithAttempts extends DeliveryRecord {
  attemptLog: AttemptRecord[];
}

export interface Webhooks {
  /** Checks the URL (syntax, then where it resolves) and the events; the secret is returned this once. */
  create(input: NewWebhook): Promise<{ hook: WebhookRecord; secret: string }>;
  /** The hook of that scope (an app's, or null for global ones); 404 otherwise. */
  get(app: string | null, id: string): WebhookRecord;
  list(app: string | null): WebhookRecord[];
  remove(app: string | null, id: string): void;
  /** The hook's newest deliveries, each with its attempts' answers. */
  deliveries(app: string | null, id: string, limit?: number): DeliveryWithAttempts[];
  /** Sends a delivery's event again, as a new delivery (same event id, its own delivery id and attempts). */
  redeliver(app: string | null, id: string, deliveryId: string): DeliveryRecord;
  /** Follows pipeline events and sends what is due (the server calls it; the CLI's pipeline never does). */
  start(): void;
  /** Stops sending: attempts under way are cut off and stay pending (the next start sends them). */
  stop(): Promise<void>;
  /** Resolves once nothing is being sent (tests). */
  idle(): Promise<void>;
}

export function createWebhooks(
  deps: Pick<PipelineDeps, 'config' | 'store' | 'events' | 'log'>,
  targets: WebhookTargets = createWebhookTargets(deps.config),
): Webhooks {
  const { store, config } = deps;
  const log = deps.log.child('webhooks');
  const settings = config.webhooks;
  const inFlight = new Map<string, Promise<void>>();
  let stopping = new AbortController();
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: () => void = () => undefined;

  const scoped = (app: string | null, id: string): WebhookRecord => {
    const hook = store.webhooks.get(id);
    if (!hook || hook.app !== app) throw new NotFoundError(`no webhook ${id}${app ? ` on ${app}` : ' among the global webhooks'}`);
    return hook;
  };

  const enqueueEvent = (type: WebhookEventType, app: string, data: Record<string, unknown>): void => {
    const hooks = store.webhooks.receiving(app).filter((h) => h.events.includes(type));
    if (hooks.length === 0) return;
    const eventId = newId('evt');
    const payload = JSON.stringify({ type, createdAt: new Date().toISOString(), app, data });
    store.webhooks.enqueue(hooks.map((h) => ({ webhookId: h.id, app, eventId, event: type, payload })));
    kick();
  };

  function kick(): void {
    if (!started || stopping.signal.aborted) return;
    clearTimeout(timer);
    timer = undefined;
    pump();
  }

  function pump(): void {
    const free = CONCURRENCY - inFlight.size;
    if (free > 0) {
      const due = store.webhooks.due(new Date(), CONCURRENCY * 2).filter((d) => !inFlight.has(d.id));
      for (const d of due.slice(0, free)) {
        const run = attempt(d)
          .catch((e: unknown) => log.error('a webhook delivery attempt failed unexpectedly', { delivery: d.id, error: messageOf(e) }))
          .finally(() => {
            inFlight.delete(d.id);
            kick();
          });
        inFlight.set(d.id, run);
      }
    }
    sleepUntilNext();
  }

  function sleepUntilNext(): void {
    clearTimeout(timer);
    const next = store.webhooks.nextDue();
    // What is due now waits for a slot: each attempt that ends kicks the sender again.
    const ms = next ? Math.min(MAX_SLEEP_MS, Math.max(250, Date.parse(next) - Date.now())) : MAX_SLEEP_MS;
    timer = setTimeout(kick, ms);
    timer.unref();
  }

  async function attempt(d: DeliveryRecord): Promise<void> {
    const hook = store.webhooks.get(d.webhookId);
    if (!hook) return;
    const n = d.attempts + 1;
    const began = Date.now();
    let outcome: WebhookAttemptOutcome;
    let answer: { status: number; excerpt: string } | null = null;
    try {
      const url = parseWebhookUrl(hook.url);
      const target = await targets.resolve(url, hook.allowPrivate);
      const timestamp = Math.floor(Date.now() / 1000);
      const event = JSON.parse(d.payload) as { type: string; createdAt: string; app: string | null; data: unknown };
      // The body carries the event id and this attempt's time, so the signature covers both (replay protection).
      const body = JSON.stringify({
        id: d.eventId,
        type: event.type,
        createdAt: event.createdAt,
        app: event.app,
        deliveryId: d.id,
        attempt: n,
        timestamp,
        data: event.data,
      });
      const secret = store.webhooks.secret(hook.id);
      registerSecret(secret);
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const res = await sendWebhook(
        url.href,
        target,
        body,
        {
          'content-type': 'application/json',
          'user-agent': 'Slipway-Webhooks/1',
          'x-slipway-event': d.event,
          'x-slipway-event-id': d.eventId,
          'x-slipway-delivery': d.id,
          'x-slipway-timestamp': String(timestamp),
          'x-slipway-signature': signature,
        },
        settings.timeoutMs,
        stopping.signal,
      );
      answer = res;
      const retryAfterMs = parseRetryAfter(res.retryAfter, Date.now());
      outcome = { kind: 'answer', status: res.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    } catch (e) {
      // Cut off by shutdown: not an attempt; it stays pending and the next start sends it.
      if (stopping.signal.aborted) return;
      outcome =
        e instanceof WebhookUrlRefusedError
          ? { kind: 'refused', error: e.message }
          : { kind: 'network', error: e instanceof WebhookDnsError ? e.message : describeNetworkError(e) };
    }
    const plan = planWebhookRetry({ attempt: n, maxAttempts: settings.maxAttempts, baseMs: settings.retryBaseMs, outcome });
    const error =
      outcome.kind === 'answer'
        ? plan.next === 'succeeded'
          ? null
          : plan.next === 'failed'
            ? plan.why
            : `the receiver answered ${outcome.status}`
        : outcome.error;
    store.webhooks.recordAttempt(
      d.id,
      {
        attempt: n,
        startedAt: new Date(began).toISOString(),
        durationMs: Date.now() - began,
        statusCode: answer?.status ?? null,
        responseExcerpt: answer ? answer.excerpt : null,
        error: outcome.kind === 'answer' ? null : redact(outcome.error),
      },
      plan.next === 'retry'
        ? { status: 'pending', nextAttemptAt: new Date(Date.now() + plan.delayMs).toISOString(), error: error && redact(error) }
        : { status: plan.next, nextAttemptAt: null, error: error && redact(error) },
    );
    const fields = { hook: hook.id, to: webhookOrigin(hook.url), event: d.event, delivery: d.id, attempt: n, ...(answer ? { status: answer.status } : {}) };
    if (plan.next === 'failed') log.warn('a webhook delivery gave up', { ...fields, why: redact(error ?? '') });
    else if (plan.next === 'retry') log.info('a webhook delivery is tried again later', { ...fields, inMs: plan.delayMs, why: redact(error ?? '') });
    else log.debug('a webhook was delivered', fields);
  }

  return {
    async create(input) {
      if (input.app !== null && !store.apps.get(input.app)) throw new NotFoundError(`no app named ${input.app}`);
      const url = parseWebhookUrl(input.url);
      const events = parseWebhookEvents(input.events);
      if (store.webhooks.list(input.app).length >= MAX_HOOKS)
        throw new ConflictError(`${input.app ? `${input.app} has` : 'there are'} ${MAX_HOOKS} webhooks already; remove one first`);
      try {
        await targets.resolve(url, input.allowPrivate);
      } catch (e) {
        if (e instanceof WebhookDnsError) throw new InvalidInputError(`url: ${e.message}`);
        throw e;
      }
      const secret = `whsec_${randomBytes(32).toString('base64url')}`;
      registerSecret(secret);
      const hook = store.webhooks.create({ app: input.app, url: url.href, events, secret, allowPrivate: input.allowPrivate, createdBy: input.by });
      log.info('webhook created', {
        hook: hook.id,
        app: hook.app ?? '(global)',
        to: webhookOrigin(hook.url),
        events: events.join(','),
        allowPrivate: hook.allowPrivate,
      });
      return { hook, secret };
    },
    get: scoped,
    list: (app) => store.webhooks.list(app),
    remove(app, id) {
      scoped(app, id);
      store.webhooks.remove(id);
      log.info('webhook removed', { hook: id, app: app ?? '(global)' });
    },
    deliveries(app, id, limit = 50) {
      scoped(app, id);
      return store.webhooks.deliveries(id, limit).map((d) => ({ ...d, attemptLog: store.webhooks.attempts(d.id) }));
    },
    redeliver(app, id, deliveryId) {
      scoped(app, id);
      const original = store.webhooks.delivery(deliveryId);
      if (!original || original.webhookId !== id) throw new NotFoundError(`no delivery ${deliveryId} of webhook ${id}`);
      const [again] = store.webhooks.enqueue([
        { webhookId: id, app: original.app, eventId: original.eventId, event: original.event, payload: original.payload, redeliveryOf: original.id },
      ]);
      kick();
      return again!;
    },
    start() {
      if (started) return;
      started = true;
      stopping = new AbortController();
      unsubscribe = deps.events.subscribe('*', (e) => {
        const event = webhookEventOf(e, config);
        if (!event) return;
        try {
          enqueueEvent(event.type, event.app, event.data);
        } catch (err) {
          log.error('could not queue webhook deliveries', { event: event.type, app: event.app, error: messageOf(err) });
        }
      });
      kick();
    },
    async stop() {
      if (!started) return;
      started = false;
      unsubscribe();
      stopping.abort(new Error('Slipway is shutting down'));
      clearTimeout(timer);
      await Promise.allSettled([...inFlight.values()]);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight.values()]);
    },
  };
}

/** Node's network errors say what happened in their code (ECONNREFUSED, ECONNRESET, …) and message. */
function describeNetworkError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const message = messageOf(e);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
