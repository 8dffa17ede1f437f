import { newSecret, notFound } from '@hourmeter/runtime';
import type { Kysely, Selectable } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookSubscriptionsTable } from '../schema.js';
import { DEFAULT_PAGE, MAX_PAGE, type Page } from './crud.js';
import { appendToOutbox } from './outbox.js';
import { serviceId } from './service-ids.js';

export interface WebhookSubscription {
  id: string;
  url: string;
  description: string | null;
  /** Event types, `<entity>.*` or `*`. */
  eventTypes: string[];
  status: 'active' | 'disabled';
  allowPrivateNetwork: boolean;
  /** Start of the current run of failed attempts; null when the last attempt succeeded. */
  failingSince: number | null;
  disabledAt: number | null;
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface WebhookSubscriptionInput {
  url: string;
  eventTypes: string[];
  description?: string | undefined;
  allowPrivateNetwork?: boolean | undefined;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookAttempt {
  id: string;
  at: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
  manual: boolean;
}

export interface WebhookDelivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  completedAt: number | null;
}

/** A delivery this process holds for one attempt, with what sending needs. */
export interface ClaimedDelivery extends WebhookDelivery {
  body: string;
  url: string;
  secret: string;
  allowPrivateNetwork: boolean;
}

export interface AttemptOutcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
}

/** What happens to a delivery whose automatic attempt failed. */
export type RetryDecision = { retryAt: number } | { giveUp: string };

const subscriptionFrom = (r: Selectable<WebhookSubscriptionsTable>): WebhookSubscription => ({
  id: r.id,
  url: r.url,
  description: r.description,
  eventTypes: JSON.parse(r.event_types) as string[],
  status: r.status === 'disabled' ? 'disabled' : 'active',
  allowPrivateNetwork: Number(r.allow_private_network) === 1,
  failingSince: r.failing_since === null ? null : Number(r.failing_since),
  disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
  disabledReason: r.disabled_reason,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const deliveryFrom = (r: Selectable<WebhookDeliveriesTable>): WebhookDelivery => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  eventId: r.event_id,
  eventType: r.event_type,
  status: r.status as DeliveryStatus,
  attempts: Number(r.attempts),
  nextAttemptAt: r.status === 'pending' ? Number(r.next_attempt_at) : null,
  lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
  lastError: r.last_error,
  createdAt: Number(r.created_at),
  completedAt: r.completed_at === null ? null : Number(r.completed_at),
});

const attemptFrom = (r: Selectable<WebhookAttemptsTable>): WebhookAttempt => ({
  id: r.id,
  at: Number(r.at),
  statusCode: r.status_code === null ? null : Number(r.status_code),
  error: r.error,
  durationMs: Number(r.duration_ms),
  responseExcerpt: r.response_excerpt,
  manual: Number(r.manual) === 1,
});

/** Whether a subscription's patterns cover an event type: exact, `<entity>.*`, or `*`. */
export function subscribesTo(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

const isSuccess = (code: number | null) => code !== null && code >= 200 && code < 300;

/**
 * Webhook subscriptions, their deliveries (one per subscription and event,
 * created from the integration outbox) and the log of every attempt.
 */
export function webhookRepository(db: Kysely<Database>) {
  async function getSubscription(id: string): Promise<WebhookSubscription> {
    const r = await db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('webhook subscription', id);
    return subscriptionFrom(r);
  }

  async function getDelivery(id: string): Promise<WebhookDelivery & { attemptLog: WebhookAttempt[] }> {
    const r = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('webhook delivery', id);
    const attempts = await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', id).orderBy('at').orderBy('id').execute();
    return { ...deliveryFrom(r), attemptLog: attempts.map(attemptFrom) };
  }

  return {
    getSubscription,
    getDelivery,

    /** Creates a subscription; its signing secret is returned here (and by `secretOf`). */
    async createSubscription(input: WebhookSubscriptionInput, now = Date.now()): Promise<{ subscription: WebhookSubscription; secret: string }> {
      const id = serviceId('whk', now);
      const secret = `whsec_${newSecret()}`;
      await db
        .insertInto('webhook_subscriptions')
        .values({
          id,
          url: input.url,
          description: input.description ?? null,
          event_types: JSON.stringify(input.eventTypes),
          secret,
          status: 'active',
          allow_private_network: input.allowPrivateNetwork ? 1 : 0,
          failing_since: null,
          disabled_at: null,
          disabled_reason: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return { subscription: await getSubscription(id), secret };
    },

    async secretOf(id: string): Promise<string> {
      const r = await db.selectFrom('webhook_subscriptions').select('secret').where('id', '=', id).executeTakeFirst();
      if (!r) throw notFound('webhook subscription', id);
      return r.secret;
    },

    async listSubscriptions(): Promise<WebhookSubscription[]> {
      return (await db.selectFrom('webhook_subscriptions').selectAll().orderBy('id').execute()).map(subscriptionFrom);
    },

    /** Changes the fields sent; `status: 'active'` re-enables a disabled subscription (its failure run starts afresh). */
    async updateSubscription(id: string, patch: Partial<WebhookSubscriptionInput> & { status?: 'active' | 'disabled' | undefined }, now = Date.now()): Promise<WebhookSubscription> {
      const existing = await getSubscription(id);
      const enabling = patch.status === 'active' && existing.status === 'disabled';
      const disabling = patch.status === 'disabled' && existing.status === 'active';
      await db
        .updateTable('webhook_subscriptions')
        .set({
          ...(patch.url !== undefined ? { url: patch.url } : {}),
          ...(patch.eventTypes !== undefined ? { event_types: JSON.stringify(patch.eventTypes) } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.allowPrivateNetwork !== undefined ? { allow_private_network: patch.allowPrivateNetwork ? 1 : 0 } : {}),
          ...(enabling ? { status: 'active', failing_since: null, disabled_at: null, disabled_reason: null } : {}),
          ...(disabling ? { status: 'disabled', disabled_at: now, disabled_reason: 'disabled by an admin' } : {}),
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      return getSubscription(id);
    },

    async deleteSubscription(id: string): Promise<void> {
      const res = await db.deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw notFound('webhook subscription', id);
    },

    /**
     * Turns pending outbox events into one delivery per matching active
     * subscription and marks them dispatched, in one transaction. Safe to run
     * in several processes at once: a delivery exists once per subscription and event.
     */
    async fanOut(limit: number, now = Date.now()): Promise<{ events: number; deliveries: number }> {
      try {
        return await db.transaction().execute(async (tx) => {
          const events = await tx.selectFrom('integration_outbox').select(['id', 'type', 'envelope']).where('dispatched_at', 'is', null).orderBy('id').limit(limit).execute();
          if (events.length === 0) return { events: 0, deliveries: 0 };
          const subs = (await tx.selectFrom('webhook_subscriptions').select(['id', 'event_types']).where('status', '=', 'active').execute()).map((s) => ({
            id: s.id,
            patterns: JSON.parse(s.event_types) as string[],
          }));
          let deliveries = 0;
          for (const e of events) {
            for (const s of subs) {
              if (!subscribesTo(s.patterns, e.type)) continue;
              const res = await tx
                .insertInto('webhook_deliveries')
                .values({
                  id: serviceId('whd', now),
                  subscription_id: s.id,
                  event_id: e.id,
                  event_type: e.type,
                  body: e.envelope,
                  status: 'pending',
                  attempts: 0,
                  next_attempt_at: now,
                  last_status_code: null,
                  last_error: null,
                  created_at: now,
                  updated_at: now,
                  completed_at: null,
                })
                .onConflict((oc) => oc.columns(['subscription_id', 'event_id']).doNothing())
                .executeTakeFirst();
              deliveries += Number(res.numInsertedOrUpdatedRows ?? 0);
            }
          }
          await tx
            .updateTable('integration_outbox')
            .set({ dispatched_at: now })
            .where(
              'id',
              'in',
              events.map((e) => e.id),
            )
            .execute();
          return { events: events.length, deliveries };
        });
      } catch (err) {
        throw translateDbError(err, 'webhook delivery');
      }
    },

    /**
     * Takes up to `limit` due deliveries of active subscriptions for one
     * attempt each: a conditional update moves each one's next attempt a
     * lease ahead, so another process (or this one, if it dies mid-attempt)
     * takes it only once the lease has passed.
     */
    async claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
      const rows = await db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
        .selectAll('d')
        .select(['s.url', 's.secret', 's.allow_private_network'])
        .where('d.status', '=', 'pending')
        .where('s.status', '=', 'active')
        .where('d.next_attempt_at', '<=', now)
        .orderBy('d.next_attempt_at')
        .orderBy('d.id')
        .limit(limit)
        .execute();
      const claimed: ClaimedDelivery[] = [];
      for (const r of rows) {
        const res = await db
          .updateTable('webhook_deliveries')
          .set({ next_attempt_at: now + leaseMs })
          .where('id', '=', r.id)
          .where('status', '=', 'pending')
          .where('next_attempt_at', '=', r.next_attempt_at)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) continue;
        claimed.push({ ...deliveryFrom(r), body: r.body, url: r.url, secret: r.secret, allowPrivateNetwork: Number(r.allow_private_network) === 1 });
      }
      return claimed;
    },

    /**
     * Records one attempt and its consequences in one transaction: the
     * delivery's state, the subscription's failure run, and, once that run
     * has lasted `disableAfterMs`, the subscription disabled with a
     * `webhook.disabled` event in the outbox. A manual redelivery never
     * schedules retries nor reopens a delivery it did not succeed with.
     */
    async recordAttempt(
      delivery: Pick<WebhookDelivery, 'id' | 'subscriptionId'>,
      outcome: AttemptOutcome,
      opts: { now: number; manual: boolean; retry?: RetryDecision | undefined; disableAfterMs: number },
    ): Promise<{ disabled: boolean }> {
      const { now } = opts;
      return db.transaction().execute(async (tx) => {
        await tx
          .insertInto('webhook_attempts')
          .values({
            id: serviceId('wha', now),
            delivery_id: delivery.id,
            at: now,
            status_code: outcome.statusCode,
            error: outcome.error,
            duration_ms: Math.round(outcome.durationMs),
            response_excerpt: outcome.responseExcerpt,
            manual: opts.manual ? 1 : 0,
          })
          .execute();
        const common = { last_status_code: outcome.statusCode, last_error: outcome.error, updated_at: now };
        const current = await tx.selectFrom('webhook_deliveries').select(['attempts', 'status']).where('id', '=', delivery.id).executeTakeFirstOrThrow();
        const attempts = Number(current.attempts) + 1;
        if (isSuccess(outcome.statusCode)) {
          await tx.updateTable('webhook_deliveries').set({ ...common, attempts, status: 'succeeded', completed_at: now }).where('id', '=', delivery.id).execute();
          await tx.updateTable('webhook_subscriptions').set({ failing_since: null }).where('id', '=', delivery.subscriptionId).execute();
          return { disabled: false };
        }
        const retry = opts.retry;
        const next =
          opts.manual || !retry
            ? {}
            : 'retryAt' in retry
              ? { next_attempt_at: retry.retryAt }
              : { status: 'failed', completed_at: now, last_error: `${outcome.error ?? `HTTP ${outcome.statusCode}`}; ${retry.giveUp}` };
        await tx.updateTable('webhook_deliveries').set({ ...common, attempts, ...next }).where('id', '=', delivery.id).execute();
        const sub = await tx.selectFrom('webhook_subscriptions').selectAll().where('id', '=', delivery.subscriptionId).executeTakeFirstOrThrow();
        const failingSince = sub.failing_since === null ? now : Number(sub.failing_since);
        if (sub.failing_since === null) await tx.updateTable('webhook_subscriptions').set({ failing_since: now }).where('id', '=', sub.id).execute();
        if (sub.status !== 'active' || opts.manual || now - failingSince < opts.disableAfterMs) return { disabled: false };
        const reason = `every delivery attempt failed for ${Math.round((now - failingSince) / 60_000)} minutes (last: ${outcome.error ?? `HTTP ${outcome.statusCode}`})`;
        await tx.updateTable('webhook_subscriptions').set({ status: 'disabled', disabled_at: now, disabled_reason: reason, updated_at: now }).where('id', '=', sub.id).execute();
        const disabled = subscriptionFrom({ ...sub, status: 'disabled', disabled_at: now, disabled_reason: reason, failing_since: failingSince, updated_at: now });
        await appendToOutbox(tx, 'webhook.disabled', { subscription: disabled, reason }, now);
        return { disabled: true };
      });
    },

    /** A subscription's deliveries, newest first (`cursor` = the previous page's last id). */
    async listDeliveries(subscriptionId: string, opts: { status?: DeliveryStatus | undefined; limit?: number | undefined; cursor?: string | undefined } = {}): Promise<Page<WebhookDelivery>> {
      await getSubscription(subscriptionId);
      const limit = Math.min(Math.max(opts.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
      let q = db.selectFrom('webhook_deliveries').selectAll().where('subscription_id', '=', subscriptionId).orderBy('id', 'desc').limit(limit + 1);
      if (opts.status) q = q.where('status', '=', opts.status);
      if (opts.cursor) q = q.where('id', '<', opts.cursor);
      const rows = await q.execute();
      return { items: rows.slice(0, limit).map(deliveryFrom), nextCursor: rows.length > limit ? rows[limit - 1]!.id : null };
    },

    /** What a manual redelivery sends: the delivery with its subscription's URL and secret. */
    async forRedelivery(id: string): Promise<ClaimedDelivery> {
      const r = await db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
        .selectAll('d')
        .select(['s.url', 's.secret', 's.allow_private_network'])
        .where('d.id', '=', id)
        .executeTakeFirst();
      if (!r) throw notFound('webhook delivery', id);
      return { ...deliveryFrom(r), body: r.body, url: r.url, secret: r.secret, allowPrivateNetwork: Number(r.allow_private_network) === 1 };
    },

    /** Counts by delivery status (metrics, the console). */
    async deliveryCounts(): Promise<Record<DeliveryStatus, number>> {
      const rows = await db.selectFrom('webhook_deliveries').select(['status', db.fn.countAll<string>().as('n')]).groupBy('status').execute();
      const out: Record<DeliveryStatus, number> = { pending: 0, succeeded: 0, failed: 0 };
      for (const r of rows) if (r.status in out) out[r.status as DeliveryStatus] = Number(r.n);
      return out;
    },
  };
}

export type WebhookRepository = ReturnType<typeof webhookRepository>;
