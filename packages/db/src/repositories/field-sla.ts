import { newId, type CustomerClass, type HoldReason, type SlaEntitlement, type SlaEntitlementInput, type SlaPriority, type WorkOrder, type WorkOrderHold, type WorkOrderSla } from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { Kysely, Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database } from '../schema.js';
import { workOrderRepository } from './work-orders.js';
import { ACTIVE_STATES, workOrderFromRow } from './work-orders-rows.js';
import { entitlementFromRow, holdFromRow, workOrderSlaFromRow } from './work-order-sla-rows.js';

/** An order with what its SLA status is computed from (services/work-orders/src/core/sla-clock.ts). */
export interface SlaOrderFacts {
  workOrder: WorkOrder;
  sla: WorkOrderSla | undefined;
  holds: WorkOrderHold[];
  /** When it first went in progress (the technician on site: the response). */
  respondedAt: number | undefined;
}

/** Who an entitlement belongs to. */
export type EntitlementOwner = { contractId: string } | { customerClass: CustomerClass };

/**
 * SLA entitlements (per contract or customer class and priority), the SLA each
 * order carries, and its holds. The rules (what is achievable, how pauses move
 * the due time) are the work-order service's; this stores and reads.
 */
export function fieldSlaRepository(db: Kysely<Database>) {
  const orders = workOrderRepository(db);

  async function write<R>(what: string, fn: (tx: Transaction<Database>) => Promise<R>): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      throw translateDbError(err, what);
    }
  }

  async function activeOrder(tx: Transaction<Database>, id: string, at: number): Promise<WorkOrder> {
    // The no-op UPDATE locks the row (portable SELECT ... FOR UPDATE): holds of one order do not interleave.
    await tx.updateTable('work_orders').set({ updated_at: at }).where('id', '=', id).where('state', 'in', ACTIVE_STATES).execute();
    const wo = await orders.get(id, tx);
    if (!ACTIVE_STATES.includes(wo.state)) throw new AppError('ILLEGAL_TRANSITION', `work order ${id} is ${wo.state}; only an active order's holds and SLA can change`);
    return wo;
  }

  async function holdsOf(ids: readonly string[]): Promise<Map<string, WorkOrderHold[]>> {
    const out = new Map<string, WorkOrderHold[]>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db.selectFrom('work_order_holds').selectAll().where('work_order_id', 'in', ids.slice(i, i + 500)).orderBy('started_at').execute();
      for (const r of rows) {
        const list = out.get(r.work_order_id) ?? [];
        list.push(holdFromRow(r));
        out.set(r.work_order_id, list);
      }
    }
    return out;
  }

  async function facts(rows: Parameters<typeof workOrderFromRow>[0][]): Promise<SlaOrderFacts[]> {
    const ids = rows.map((r) => r.id);
    if (ids.length === 0) return [];
    const slas = new Map<string, WorkOrderSla>();
    const responded = new Map<string, number>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      for (const s of await db.selectFrom('work_order_sla').selectAll().where('work_order_id', 'in', chunk).execute()) slas.set(s.work_order_id, workOrderSlaFromRow(s));
      const starts = await db
        .selectFrom('work_order_events')
        .select(['work_order_id', (eb) => eb.fn.min('at').as('at')])
        .where('work_order_id', 'in', chunk)
        .where('to_state', '=', 'in_progress')
        .groupBy('work_order_id')
        .execute();
      for (const s of starts) if (s.at !== null) responded.set(s.work_order_id, Number(s.at));
    }
    const holds = await holdsOf(ids);
    return rows.map((r) => ({ workOrder: workOrderFromRow(r), sla: slas.get(r.id), holds: holds.get(r.id) ?? [], respondedAt: responded.get(r.id) }));
  }

  return {
    entitlements: {
      /** Adds or replaces the entitlement of one owner and priority. */
      put(input: SlaEntitlementInput, at: number): Promise<SlaEntitlement> {
        return write('SLA entitlement', async (tx) => {
          if (input.contractId) {
            const c = await tx.selectFrom('contracts').select('id').where('id', '=', input.contractId).executeTakeFirst();
            if (!c) throw new AppError('REFERENCE_NOT_FOUND', `contractId: contract ${input.contractId} does not exist`, { field: 'contractId', id: input.contractId });
          }
          let q = tx.selectFrom('sla_entitlements').select('id').where('priority', '=', input.priority);
          q = input.contractId ? q.where('contract_id', '=', input.contractId) : q.where('customer_class', '=', input.customerClass!);
          const existing = await q.executeTakeFirst();
          const values = { response_minutes: input.responseMinutes, fix_minutes: input.fixMinutes, updated_at: at };
          const id = existing?.id ?? newId('slaEntitlement', at);
          if (existing) await tx.updateTable('sla_entitlements').set(values).where('id', '=', id).execute();
          else
            await tx
              .insertInto('sla_entitlements')
              .values({ id, contract_id: input.contractId ?? null, customer_class: input.customerClass ?? null, priority: input.priority, ...values, created_at: at })
              .execute();
          return entitlementFromRow(await tx.selectFrom('sla_entitlements').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
        });
      },

      async list(filters: { contractId?: string | undefined; customerClass?: CustomerClass | undefined } = {}): Promise<SlaEntitlement[]> {
        let q = db.selectFrom('sla_entitlements').selectAll().orderBy('contract_id').orderBy('customer_class').orderBy('priority');
        if (filters.contractId) q = q.where('contract_id', '=', filters.contractId);
        if (filters.customerClass) q = q.where('customer_class', '=', filters.customerClass);
        return (await q.execute()).map(entitlementFromRow);
      },

      async find(owner: EntitlementOwner, priority: SlaPriority): Promise<SlaEntitlement | undefined> {
        let q = db.selectFrom('sla_entitlements').selectAll().where('priority', '=', priority);
        q = 'contractId' in owner ? q.where('contract_id', '=', owner.contractId) : q.where('customer_class', '=', owner.customerClass);
        const r = await q.executeTakeFirst();
        return r ? entitlementFromRow(r) : undefined;
      },

      async remove(id: string): Promise<void> {
        const res = await db.deleteFrom('sla_entitlements').where('id', '=', id).executeTakeFirst();
        if (Number(res.numDeletedRows) !== 1) throw notFound('SLA entitlement', id);
      },
    },

    async ofOrder(workOrderId: string): Promise<SlaOrderFacts> {
      const row = await db.selectFrom('work_orders').selectAll().where('id', '=', workOrderId).executeTakeFirst();
      if (!row) throw notFound('work order', workOrderId);
      return (await facts([row]))[0]!;
    },

    /** Active orders with their SLA facts. */
    async active(): Promise<SlaOrderFacts[]> {
      return facts(await db.selectFrom('work_orders').selectAll().where('state', 'in', ACTIVE_STATES).orderBy('id').execute());
    },

    /** Orders completed in [from, to) with their SLA facts. */
    async completedBetween(from: number, to: number): Promise<SlaOrderFacts[]> {
      return facts(
        await db.selectFrom('work_orders').selectAll().where('state', '=', 'completed').where('completed_at', '>=', from).where('completed_at', '<', to).orderBy('id').execute(),
      );
    },

    /** Puts an active order on hold (one open hold at a time); the history records it. */
    startHold(workOrderId: string, h: { reason: HoldReason; note?: string | undefined }, actor: string, at: number): Promise<WorkOrderHold> {
      return write('hold of work order', async (tx) => {
        const wo = await activeOrder(tx, workOrderId, at);
        const open = await tx.selectFrom('work_order_holds').select('reason').where('work_order_id', '=', workOrderId).where('ended_at', 'is', null).executeTakeFirst();
        if (open) throw new AppError('CONFLICT', `work order ${workOrderId} is already on hold (${open.reason})`);
        const id = newId('workOrderHold', at);
        await tx
          .insertInto('work_order_holds')
          .values({ id, work_order_id: workOrderId, reason: h.reason, note: h.note ?? null, started_at: at, ended_at: null, started_by: actor, ended_by: null })
          .execute();
        await orders.recordEvent(tx, workOrderId, 'edited', wo.state, wo.state, actor, at, `on hold: ${h.reason.replaceAll('_', ' ')}${h.note ? ` (${h.note})` : ''}`);
        return holdFromRow(await tx.selectFrom('work_order_holds').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
      });
    },

    /**
     * Ends the open hold. `dueAfter` (the SLA clock) gives the order's fix due
     * time from its SLA and holds once this one has ended; it is stored in the
     * same transaction.
     */
    endHold(workOrderId: string, actor: string, at: number, dueAfter: (sla: WorkOrderSla, holds: WorkOrderHold[]) => number): Promise<{ hold: WorkOrderHold; workOrder: WorkOrder }> {
      return write('hold of work order', async (tx) => {
        const wo = await activeOrder(tx, workOrderId, at);
        const open = await tx.selectFrom('work_order_holds').selectAll().where('work_order_id', '=', workOrderId).where('ended_at', 'is', null).executeTakeFirst();
        if (!open) throw new AppError('ILLEGAL_TRANSITION', `work order ${workOrderId} is not on hold`);
        await tx.updateTable('work_order_holds').set({ ended_at: Math.max(at, Number(open.started_at)), ended_by: actor }).where('id', '=', open.id).execute();
        const slaRow = await tx.selectFrom('work_order_sla').selectAll().where('work_order_id', '=', workOrderId).executeTakeFirst();
        let note = `resumed after ${open.reason.replaceAll('_', ' ')}`;
        if (slaRow) {
          const holds = (await tx.selectFrom('work_order_holds').selectAll().where('work_order_id', '=', workOrderId).orderBy('started_at').execute()).map(holdFromRow);
          const due = dueAfter(workOrderSlaFromRow(slaRow), holds);
          if (due !== wo.slaDueAt) {
            await tx.updateTable('work_orders').set({ sla_due_at: due }).where('id', '=', workOrderId).execute();
            note += `; SLA fix due now ${new Date(due).toISOString()}`;
          }
        }
        await orders.recordEvent(tx, workOrderId, 'edited', wo.state, wo.state, actor, at, note);
        return {
          hold: holdFromRow(await tx.selectFrom('work_order_holds').selectAll().where('id', '=', open.id).executeTakeFirstOrThrow()),
          workOrder: await orders.get(workOrderId, tx),
        };
      });
    },

    /** A planner's fix due time for an order that has an SLA: stored as the allowed fix time, recorded in the history. */
    override(workOrderId: string, o: { fixMs: number; dueAt: number }, actor: string, at: number): Promise<WorkOrder> {
      return write('work order SLA', async (tx) => {
        const wo = await activeOrder(tx, workOrderId, at);
        const res = await tx
          .updateTable('work_order_sla')
          .set({ basis: 'override', fix_ms: o.fixMs, overridden_by: actor, overridden_at: at })
          .where('work_order_id', '=', workOrderId)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) throw new AppError('CONFLICT', `work order ${workOrderId} has no SLA to override`);
        await tx.updateTable('work_orders').set({ sla_due_at: o.dueAt, updated_at: at }).where('id', '=', workOrderId).execute();
        await orders.recordEvent(tx, workOrderId, 'edited', wo.state, wo.state, actor, at, `SLA fix due set by hand to ${new Date(o.dueAt).toISOString()} (override)`);
        return orders.get(workOrderId, tx);
      });
    },
  };
}

export type FieldSlaRepository = ReturnType<typeof fieldSlaRepository>;
