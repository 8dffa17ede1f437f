import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Executor } from './crud.js';
import { serviceId } from './service-ids.js';

/**
 * An event for other systems, in the envelope of the event bus and
 * /api/v1/events (`{"v":1,"id":"evt_...","type":...,"at":...,"data":{...}}`).
 */
export interface OutboxEnvelope {
  readonly v: 1;
  readonly id: string;
  readonly type: string;
  readonly at: number;
  readonly source?: string | undefined;
  readonly data: unknown;
}

/**
 * Appends an event inside the caller's transaction: the event exists exactly
 * when the change it describes was committed (the transactional outbox).
 */
export async function appendToOutbox(tx: Executor, type: string, data: unknown, at: number): Promise<OutboxEnvelope> {
  const envelope: OutboxEnvelope = { v: 1, id: serviceId('evt', at), type, at, source: 'hourmeter', data };
  await tx.insertInto('integration_outbox').values({ id: envelope.id, type, envelope: JSON.stringify(envelope), at, dispatched_at: null, notified_at: null }).execute();
  return envelope;
}

export function outboxRepository(db: Kysely<Database>) {
  return {
    /**
     * Appends an envelope made elsewhere (an event of the bus); the same event
     * appended twice (two api processes hearing it) is kept once.
     */
    async append(envelope: OutboxEnvelope): Promise<void> {
      await db
        .insertInto('integration_outbox')
        .values({ id: envelope.id, type: envelope.type, envelope: JSON.stringify(envelope), at: envelope.at, dispatched_at: null, notified_at: null })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },

    /** Events not yet dispatched, oldest first. */
    async pending(limit: number): Promise<{ id: string; type: string; envelope: string; at: number }[]> {
      const rows = await db.selectFrom('integration_outbox').select(['id', 'type', 'envelope', 'at']).where('dispatched_at', 'is', null).orderBy('id').limit(limit).execute();
      return rows.map((r) => ({ ...r, at: Number(r.at) }));
    },

    /** Events of a type (tests, audits), oldest first. */
    async ofType(type: string): Promise<OutboxEnvelope[]> {
      const rows = await db.selectFrom('integration_outbox').select('envelope').where('type', '=', type).orderBy('id').execute();
      return rows.map((r) => JSON.parse(r.envelope) as OutboxEnvelope);
    },
  };
}

export type OutboxRepository = ReturnType<typeof outboxRepository>;
