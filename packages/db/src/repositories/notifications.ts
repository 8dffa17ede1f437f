import { AppError, notFound } from '@hourmeter/runtime';
import type { Kysely, Selectable } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database, NotificationMessagesTable, NotificationRecipientsTable } from '../schema.js';
import type { OutboxEnvelope } from './outbox.js';
import { serviceId } from './service-ids.js';

export type NotificationMode = 'immediate' | 'digest' | 'off';

export interface NotificationRecipient {
  id: string;
  name: string;
  email: string;
  role: string;
  apiKeyId: string | null;
  /** The user account of this person (they then manage their own preferences at /me, signed in); its role applies. */
  userId: string | null;
  /** Rule -> mode, overriding the role's defaults for this person. */
  preferences: Record<string, NotificationMode>;
  createdAt: number;
  updatedAt: number;
}

export interface NotificationRecipientInput {
  name: string;
  email: string;
  role: string;
  apiKeyId?: string | null | undefined;
  userId?: string | null | undefined;
  preferences?: Record<string, NotificationMode> | undefined;
}

export type MessageStatus = 'pending' | 'sent' | 'failed' | 'digest' | 'digested';

export interface NotificationMessage {
  id: string;
  recipientId: string;
  eventId: string;
  rule: string;
  status: MessageStatus;
  subject: string;
  textBody: string;
  htmlBody: string;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}

/** Display names of the records events refer to by id. */
export interface DisplayNames {
  asset(id: string): string | undefined;
  customer(id: string): string | undefined;
}

/** A mail the notifier decided to queue for one recipient and event. */
export interface PlannedMessage {
  recipientId: string;
  rule: string;
  mode: 'immediate' | 'digest';
  subject: string;
  text: string;
  html: string;
}

const recipientFrom = (r: Selectable<NotificationRecipientsTable>): NotificationRecipient => ({
  id: r.id,
  name: r.name,
  email: r.email,
  role: r.role,
  apiKeyId: r.api_key_id,
  userId: r.user_id,
  preferences: JSON.parse(r.preferences) as Record<string, NotificationMode>,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const messageFrom = (r: Selectable<NotificationMessagesTable>): NotificationMessage => ({
  id: r.id,
  recipientId: r.recipient_id,
  eventId: r.event_id,
  rule: r.rule,
  status: r.status as MessageStatus,
  subject: r.subject,
  textBody: r.text_body,
  htmlBody: r.html_body,
  attempts: Number(r.attempts),
  nextAttemptAt: Number(r.next_attempt_at),
  lastError: r.last_error,
  createdAt: Number(r.created_at),
  sentAt: r.sent_at === null ? null : Number(r.sent_at),
});

/**
 * E-mail recipients and the mail queue. Every mail is a row before it is
 * sent, so an SMTP server that is down delays mail and loses none, and the
 * change that caused it never waits for it.
 */
export function notificationRepository(db: Kysely<Database>) {
  async function getRecipient(id: string): Promise<NotificationRecipient> {
    const r = await db.selectFrom('notification_recipients').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('notification recipient', id);
    return recipientFrom(r);
  }

  async function write<R>(fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      throw translateDbError(err, 'notification recipient');
    }
  }

  /**
   * Who can be mailed now: a recipient linked to a user takes the user's
   * current role (an admin may have changed it), and a disabled user gets nothing.
   */
  async function currentRecipients(tx: Kysely<Database>): Promise<NotificationRecipient[]> {
    const rows = await tx
      .selectFrom('notification_recipients as r')
      .leftJoin('users as u', 'u.id', 'r.user_id')
      .selectAll('r')
      .select(['u.role as user_role', 'u.disabled_at as user_disabled_at'])
      .orderBy('r.id')
      .execute();
    return rows.filter((r) => r.user_disabled_at === null).map((r) => ({ ...recipientFrom(r), role: r.user_role ?? r.role }));
  }

  async function updateRole(id: string, role: string, now: number): Promise<NotificationRecipient> {
    await db.updateTable('notification_recipients').set({ role, updated_at: now }).where('id', '=', id).execute();
    return getRecipient(id);
  }

  async function recipientOfUser(userId: string): Promise<NotificationRecipient | undefined> {
    const r = await db.selectFrom('notification_recipients').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return r ? recipientFrom(r) : undefined;
  }

  return {
    getRecipient,

    createRecipient(input: NotificationRecipientInput, now = Date.now()): Promise<NotificationRecipient> {
      return write(async () => {
        const id = serviceId('rcp', now);
        await db
          .insertInto('notification_recipients')
          .values({ id, name: input.name, email: input.email, role: input.role, api_key_id: input.apiKeyId ?? null, user_id: input.userId ?? null, preferences: JSON.stringify(input.preferences ?? {}), created_at: now, updated_at: now })
          .execute();
        return getRecipient(id);
      });
    },

    async listRecipients(): Promise<NotificationRecipient[]> {
      return (await db.selectFrom('notification_recipients').selectAll().orderBy('id').execute()).map(recipientFrom);
    },

    async recipientOfKey(apiKeyId: string): Promise<NotificationRecipient | undefined> {
      const r = await db.selectFrom('notification_recipients').selectAll().where('api_key_id', '=', apiKeyId).orderBy('id').executeTakeFirst();
      return r ? recipientFrom(r) : undefined;
    },

    recipientOfUser,

    /**
     * The recipient of a signed-in user: the one linked to the account, else
     * the one an admin added with the user's e-mail (linked now), else a new
     * one with the user's name, e-mail and role and no preferences (the role
     * defaults). Concurrent first calls meet at the unique user and e-mail.
     */
    async recipientForUser(user: { id: string; name: string; email: string; role: string }, now = Date.now()): Promise<NotificationRecipient> {
      const linked = await recipientOfUser(user.id);
      // The account is the truth for a linked person: an admin may have changed the role since.
      if (linked && linked.role !== user.role) return updateRole(linked.id, user.role, now);
      if (linked) return linked;
      try {
        await db.transaction().execute(async (tx) => {
          const byEmail = await tx.selectFrom('notification_recipients').select(['id', 'user_id']).where('email', '=', user.email).executeTakeFirst();
          if (byEmail) {
            if (byEmail.user_id === null) await tx.updateTable('notification_recipients').set({ user_id: user.id, role: user.role, updated_at: now }).where('id', '=', byEmail.id).execute();
            return;
          }
          await tx
            .insertInto('notification_recipients')
            .values({ id: serviceId('rcp', now), name: user.name, email: user.email, role: user.role, api_key_id: null, user_id: user.id, preferences: '{}', created_at: now, updated_at: now })
            .execute();
        });
      } catch (err) {
        // Another request linked or created it first.
        if (!(await recipientOfUser(user.id))) throw translateDbError(err, 'notification recipient');
      }
      const r = await recipientOfUser(user.id);
      if (!r) throw new AppError('CONFLICT', `e-mail ${user.email} belongs to a recipient linked to another user`);
      return r;
    },

    /** Changes the fields sent; `preferences` are merged rule by rule. */
    updateRecipient(id: string, patch: Partial<NotificationRecipientInput>, now = Date.now()): Promise<NotificationRecipient> {
      return write(async () => {
        const existing = await getRecipient(id);
        await db
          .updateTable('notification_recipients')
          .set({
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            ...(patch.email !== undefined ? { email: patch.email } : {}),
            ...(patch.role !== undefined ? { role: patch.role } : {}),
            ...(patch.apiKeyId !== undefined ? { api_key_id: patch.apiKeyId } : {}),
            ...(patch.userId !== undefined ? { user_id: patch.userId } : {}),
            ...(patch.preferences !== undefined ? { preferences: JSON.stringify({ ...existing.preferences, ...patch.preferences }) } : {}),
            updated_at: now,
          })
          .where('id', '=', id)
          .execute();
        return getRecipient(id);
      });
    },

    async removeRecipient(id: string): Promise<void> {
      const res = await db.deleteFrom('notification_recipients').where('id', '=', id).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw notFound('notification recipient', id);
    },

    /**
     * Queues the mails of pending outbox events (as `plan` decides for each
     * event and the current recipients) and marks the events notified, in one
     * transaction; a mail exists at most once per recipient and event.
     */
    async queueFromOutbox(limit: number, now: number, plan: (event: OutboxEnvelope, recipients: readonly NotificationRecipient[], names: DisplayNames) => PlannedMessage[]): Promise<number> {
      return db.transaction().execute(async (tx) => {
        const events = await tx.selectFrom('integration_outbox').select(['id', 'envelope']).where('notified_at', 'is', null).orderBy('id').limit(limit).execute();
        if (events.length === 0) return 0;
        const recipients = await currentRecipients(tx);
        const envelopes = events.map((e) => ({ id: e.id, envelope: JSON.parse(e.envelope) as OutboxEnvelope }));
        // What people read are names: the assets and customers the events name, looked up once per batch.
        const data = envelopes.map((e) => e.envelope.data as { alert?: { assetId?: string }; workOrder?: { assetId?: string }; invoice?: { customerId?: string }; contract?: { customerId?: string } } | null);
        const assetIds = [...new Set(data.flatMap((d) => [d?.alert?.assetId, d?.workOrder?.assetId]).filter((x): x is string => typeof x === 'string'))];
        const customerIds = [...new Set(data.flatMap((d) => [d?.invoice?.customerId, d?.contract?.customerId]).filter((x): x is string => typeof x === 'string'))];
        const assets = assetIds.length
          ? await tx
              .selectFrom('assets')
              .innerJoin('asset_models', 'asset_models.id', 'assets.asset_model_id')
              .innerJoin('sites', 'sites.id', 'assets.site_id')
              .select(['assets.id', 'assets.serial_number', 'asset_models.name as model', 'sites.name as site'])
              .where('assets.id', 'in', assetIds)
              .execute()
          : [];
        const customers = customerIds.length ? await tx.selectFrom('customers').select(['id', 'name']).where('id', 'in', customerIds).execute() : [];
        const names: DisplayNames = {
          asset: (id) => {
            const a = assets.find((x) => x.id === id);
            return a ? `${a.model} ${a.serial_number} at ${a.site}` : undefined;
          },
          customer: (id) => customers.find((c) => c.id === id)?.name,
        };
        for (const e of envelopes) {
          for (const m of plan(e.envelope, recipients, names)) {
            await tx
              .insertInto('notification_messages')
              .values({
                id: serviceId('msg', now),
                recipient_id: m.recipientId,
                event_id: e.id,
                rule: m.rule,
                status: m.mode === 'digest' ? 'digest' : 'pending',
                subject: m.subject,
                text_body: m.text,
                html_body: m.html,
                attempts: 0,
                next_attempt_at: now,
                last_error: null,
                created_at: now,
                sent_at: null,
              })
              .onConflict((oc) => oc.columns(['recipient_id', 'event_id']).doNothing())
              .execute();
          }
        }
        await tx
          .updateTable('integration_outbox')
          .set({ notified_at: now })
          .where(
            'id',
            'in',
            events.map((e) => e.id),
          )
          .execute();
        return events.length;
      });
    },

    /** Takes due mails for one send each, moving their next attempt a lease ahead (see the webhook claims). */
    async claimDue(now: number, limit: number, leaseMs: number): Promise<(NotificationMessage & { email: string; name: string })[]> {
      const rows = await db
        .selectFrom('notification_messages as m')
        .innerJoin('notification_recipients as r', 'r.id', 'm.recipient_id')
        .selectAll('m')
        .select(['r.email', 'r.name'])
        .where('m.status', '=', 'pending')
        .where('m.next_attempt_at', '<=', now)
        .orderBy('m.next_attempt_at')
        .orderBy('m.id')
        .limit(limit)
        .execute();
      const claimed = [];
      for (const r of rows) {
        const res = await db
          .updateTable('notification_messages')
          .set({ next_attempt_at: now + leaseMs })
          .where('id', '=', r.id)
          .where('status', '=', 'pending')
          .where('next_attempt_at', '=', r.next_attempt_at)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 1) claimed.push({ ...messageFrom(r), email: r.email, name: r.name });
      }
      return claimed;
    },

    /** After a send: `sent`, retried at `retryAt`, or `failed` (the server refused it for good). */
    async recordSend(id: string, result: { sent: true } | { sent: false; error: string; retryAt?: number | undefined }, now: number): Promise<void> {
      await db
        .updateTable('notification_messages')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          ...(result.sent
            ? { status: 'sent', sent_at: now, last_error: null }
            : result.retryAt !== undefined
              ? { next_attempt_at: result.retryAt, last_error: result.error }
              : { status: 'failed', last_error: result.error }),
        }))
        .where('id', '=', id)
        .execute();
    },

    /** Recipients with mails waiting for their digest. */
    async digestWaiting(): Promise<string[]> {
      const rows = await db.selectFrom('notification_messages').select('recipient_id').distinct().where('status', '=', 'digest').execute();
      return rows.map((r) => r.recipient_id);
    },

    /**
     * Folds a recipient's waiting mails into one digest mail for `day`, once
     * per recipient and day, in one transaction.
     */
    async composeDigest(recipientId: string, day: string, now: number, render: (items: NotificationMessage[]) => { subject: string; text: string; html: string }): Promise<boolean> {
      return db.transaction().execute(async (tx) => {
        const exists = await tx.selectFrom('notification_messages').select('id').where('recipient_id', '=', recipientId).where('event_id', '=', `digest:${day}`).executeTakeFirst();
        if (exists) return false;
        const items = (await tx.selectFrom('notification_messages').selectAll().where('recipient_id', '=', recipientId).where('status', '=', 'digest').orderBy('id').execute()).map(messageFrom);
        if (items.length === 0) return false;
        const body = render(items);
        await tx
          .insertInto('notification_messages')
          .values({ id: serviceId('msg', now), recipient_id: recipientId, event_id: `digest:${day}`, rule: 'digest', status: 'pending', subject: body.subject, text_body: body.text, html_body: body.html, attempts: 0, next_attempt_at: now, last_error: null, created_at: now, sent_at: null })
          .execute();
        await tx
          .updateTable('notification_messages')
          .set({ status: 'digested' })
          .where(
            'id',
            'in',
            items.map((i) => i.id),
          )
          .execute();
        return true;
      });
    },

    async listMessages(filter: { recipientId?: string | undefined; status?: MessageStatus | undefined; limit?: number | undefined } = {}): Promise<NotificationMessage[]> {
      let q = db.selectFrom('notification_messages').selectAll().orderBy('id', 'desc').limit(Math.min(Math.max(filter.limit ?? 50, 1), 500));
      if (filter.recipientId) q = q.where('recipient_id', '=', filter.recipientId);
      if (filter.status) q = q.where('status', '=', filter.status);
      return (await q.execute()).map(messageFrom);
    },
  };
}

export type NotificationRepository = ReturnType<typeof notificationRepository>;
