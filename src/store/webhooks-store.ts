// Outbound webhooks: the hooks (per app, or global with no app), their deliveries (one per event and hook, or a
// redelivery by hand) and each delivery attempt's answer. Secrets are sealed at rest (secret-box.ts) and read
// only to sign; the records the rest of Slipway sees never carry them.
import type { WebhookEventType } from '../domain/webhook-events.js';
import { newId } from '../shared/ids.js';
import type { Db } from './open-database.js';
import type { SecretBox } from './secret-box.js';
import { toCamel } from './row-mapper.js';

export interface WebhookRecord {
  id: string;
  /** null: a global hook, which receives the events of every app. */
  app: string | null;
  url: string;
  events: WebhookEventType[];
  /** An admin let this hook reach loopback, private or this server's addresses. */
  allowPrivate: boolean;
  createdBy: string;
  createdAt: string;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface DeliveryRecord {
  id: string;
  webhookId: string;
  app: string | null;
  /** The event's id: the same in every attempt and every redelivery of it (receivers deduplicate on it). */
  eventId: string;
  event: WebhookEventType;
  /** The event as JSON (`type`, `createdAt`, `app`, `data`); each attempt's body adds the delivery's own fields. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  /** The delivery this one sends again (a redelivery by hand). */
  redeliveryOf: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface AttemptRecord {
  attempt: number;
  startedAt: string;
  durationMs: number;
  /** The receiver's HTTP status; null when it did not answer. */
  statusCode: number | null;
  /** The first bytes of the receiver's answer (text, at most 1 KB). */
  responseExcerpt: string | null;
  error: string | null;
}

export interface NewDelivery {
  webhookId: string;
  app: string | null;
  eventId: string;
  event: WebhookEventType;
  payload: string;
  redeliveryOf?: string;
}

export interface WebhooksStore {
  create(input: {
    app: string | null;
    url: string;
    events: readonly WebhookEventType[];
    secret: string;
    allowPrivate: boolean;
    createdBy: string;
  }): WebhookRecord;
  get(id: string): WebhookRecord | undefined;
  /** An app's own hooks, or (null) the global ones. */
  list(app: string | null): WebhookRecord[];
  /** Every hook an event of `app` goes to: the app's own and the global ones. */
  receiving(app: string | null): WebhookRecord[];
  remove(id: string): boolean;
  /** The hook's secret, to sign with. */
  secret(id: string): string;
  /** Queues deliveries (due at once), all or none; keeps the newest finished ones of each hook (KEEP_DELIVERIES). */
  enqueue(deliveries: readonly NewDelivery[], now?: Date): DeliveryRecord[];
  delivery(id: string): DeliveryRecord | undefined;
  deliveries(webhookId: string, limit?: number): DeliveryRecord[];
  attempts(deliveryId: string): AttemptRecord[];
  /** Pending deliveries due at `now`, oldest due first. */
  due(now: Date, limit: number): DeliveryRecord[];
  /** When the earliest pending delivery is due (null: none pending). */
  nextDue(): string | null;
  /** Records an attempt and what follows it (pending with its next time, or finished), in one transaction. */
  recordAttempt(deliveryId: string, attempt: AttemptRecord, next: { status: DeliveryStatus; nextAttemptAt: string | null; error: string | null }): void;
}

/** Finished deliveries kept per hook (pending ones are always kept). */
export const KEEP_DELIVERIES = 200;

const sealedRow = (id: string) => `webhook\0${id}`;

function toHook(row: Record<string, unknown>): WebhookRecord {
  const r = toCamel<Omit<WebhookRecord, 'events' | 'allowPrivate'> & { events: string; allowPrivate: number; secret?: string }>(row);
  const { secret: _secret, ...rest } = r;
  return { ...rest, events: JSON.parse(r.events) as WebhookEventType[], allowPrivate: r.allowPrivate === 1 };
}

export function createWebhooksStore(db: Db, box: SecretBox): WebhooksStore {
  const insertHook = db.prepare(
    'INSERT INTO webhooks (id, app, url, events, secret, allow_private, created_by, created_at) VALUES (@id, @app, @url, @events, @secret, @allowPrivate, @createdBy, @createdAt)',
  );
  const getHook = db.prepare<[string], Record<string, unknown>>('SELECT * FROM webhooks WHERE id = ?');
  const listApp = db.prepare<[string], Record<string, unknown>>('SELECT * FROM webhooks WHERE app = ? ORDER BY created_at, id');
  const listGlobal = db.prepare<[], Record<string, unknown>>('SELECT * FROM webhooks WHERE app IS NULL ORDER BY created_at, id');
  const receiving = db.prepare<[string | null], Record<string, unknown>>('SELECT * FROM webhooks WHERE app IS NULL OR app = ? ORDER BY created_at, id');
  const removeHook = db.prepare('DELETE FROM webhooks WHERE id = ?');
  const secretOf = db.prepare<[string], { secret: string }>('SELECT secret FROM webhooks WHERE id = ?');
  const insertDelivery = db.prepare(
    "INSERT INTO webhook_deliveries (id, webhook_id, app, event_id, event, payload, status, attempts, next_attempt_at, redelivery_of, created_at) VALUES (@id, @webhookId, @app, @eventId, @event, @payload, 'pending', 0, @createdAt, @redeliveryOf, @createdAt)",
  );
  const prune = db.prepare(
    "DELETE FROM webhook_deliveries WHERE webhook_id = ? AND status <> 'pending' AND id NOT IN (SELECT id FROM webhook_deliveries WHERE webhook_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?)",
  );
  const getDelivery = db.prepare<[string], Record<string, unknown>>('SELECT * FROM webhook_deliveries WHERE id = ?');
  const listDeliveries = db.prepare<[string, number], Record<string, unknown>>(
    'SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
  );
  const listAttempts = db.prepare<[string], Record<string, unknown>>('SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt');
  const due = db.prepare<[string, number], Record<string, unknown>>(
    "SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, rowid LIMIT ?",
  );
  const nextDue = db.prepare<[], { at: string | null }>("SELECT min(next_attempt_at) AS at FROM webhook_deliveries WHERE status = 'pending'");
  const insertAttempt = db.prepare(
    'INSERT OR REPLACE INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, response_excerpt, error) VALUES (@deliveryId, @attempt, @startedAt, @durationMs, @statusCode, @responseExcerpt, @error)',
  );
  const updateDelivery = db.prepare(
    'UPDATE webhook_deliveries SET status = @status, attempts = @attempt, next_attempt_at = @nextAttemptAt, last_status_code = @statusCode, last_error = @error, finished_at = @finishedAt WHERE id = @id',
  );
  const toDelivery = (row: Record<string, unknown>) => toCamel<DeliveryRecord>(row);
  return {
    create(input) {
      const id = newId('wh');
      insertHook.run({
        id,
        app: input.app,
        url: input.url,
        events: JSON.stringify(input.events),
        secret: box.seal(input.secret, sealedRow(id)),
        allowPrivate: input.allowPrivate ? 1 : 0,
        createdBy: input.createdBy,
        createdAt: new Date().toISOString(),
      });
      return toHook(getHook.get(id)!);
    },
    get: (id) => {
      const row = getHook.get(id);
      return row ? toHook(row) : undefined;
    },
    list: (app) => (app === null ? listGlobal.all() : listApp.all(app)).map(toHook),
    receiving: (app) => receiving.all(app).map(toHook),
    remove: (id) => removeHook.run(id).changes > 0,
    secret: (id) => {
      const row = secretOf.get(id);
      if (!row) throw new Error(`no webhook ${id}`);
      return box.open(row.secret, sealedRow(id));
    },
    enqueue(deliveries, now = new Date()) {
      const createdAt = now.toISOString();
      return db.transaction(() => {
        const ids = deliveries.map((d) => {
          const id = newId('dlv');
          insertDelivery.run({ id, ...d, redeliveryOf: d.redeliveryOf ?? null, createdAt });
          return id;
        });
        for (const hook of new Set(deliveries.map((d) => d.webhookId))) prune.run(hook, hook, KEEP_DELIVERIES);
        return ids.map((id) => toDelivery(getDelivery.get(id)!));
      })();
    },
    delivery: (id) => {
      const row = getDelivery.get(id);
      return row ? toDelivery(row) : undefined;
    },
    deliveries: (webhookId, limit = 50) => listDeliveries.all(webhookId, limit).map(toDelivery),
    attempts: (deliveryId) =>
      listAttempts
        .all(deliveryId)
        .map((r) => toCamel<AttemptRecord & { deliveryId?: string }>(r))
        .map(({ deliveryId: _d, ...a }) => a),
    due: (now, limit) => due.all(now.toISOString(), limit).map(toDelivery),
    nextDue: () => nextDue.get()?.at ?? null,
    recordAttempt(deliveryId, attempt, next) {
      db.transaction(() => {
        // The delivery may be gone (its hook was removed while the attempt ran): then nothing is recorded.
        if (!getDelivery.get(deliveryId)) return;
        insertAttempt.run({ deliveryId, ...attempt });
        updateDelivery.run({
          id: deliveryId,
          status: next.status,
          attempt: attempt.attempt,
          nextAttemptAt: next.nextAttemptAt,
          statusCode: attempt.statusCode,
          error: next.error,
          finishedAt: next.status === 'pending' ? null : new Date().toISOString(),
        });
      })();
    },
  };
}
