import type { WorkOrder, WorkOrderCompletion } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { issueUnreserved, settlePartRequests } from './parts-settlement.js';
import { ACTIVE_STATES, type WorkOrderState } from './work-orders-rows.js';
import { workOrderEventRecorder, workOrderReader, workOrderWriter } from './work-orders-shared.js';

export interface CompletionRecord extends Omit<WorkOrderCompletion, 'workOrderId' | 'completedAt' | 'completedBy' | 'firstTimeFix' | 'repeatedById'> {
  /** Part id -> quantity actually used: issued from the order's reservations, the rest released. */
  consumedByPartId: ReadonlyMap<string, number>;
  /** Part id -> where units used beyond the reservations come from (see issueUnreserved). */
  sourcesByPartId: ReadonlyMap<string, { candidates: readonly string[]; named: boolean }>;
}

export interface TransitionInput {
  /** The state the caller saw: the update only happens if the order is still in it. */
  from: WorkOrderState;
  to: WorkOrderState;
  actor: string;
  at: number;
  note?: string | undefined;
  /** Free-text `technician` (the legacy schedule) or `technicianId` (an assignment, which clears the free text). */
  schedule?: { technician?: string | undefined; technicianId?: string | undefined; windowFrom: number; windowTo: number } | undefined;
}

/** Changing an active order: planning edits, state moves (cancelling settles its parts) and the completion. */
export function workOrderTransitionsRepository(db: Kysely<Database>) {
  const write = workOrderWriter(db);
  const { get, completionOf } = workOrderReader(db);
  const event = workOrderEventRecorder(db);
  return {
    /** Edits the planning fields of an active order (not its state, asset or kind). */
    update(id: string, patch: { description?: string | undefined; slaDueAt?: number | undefined; severity?: WorkOrder['severity'] }, actor: string, at: number): Promise<WorkOrder> {
      return write(async (tx) => {
        const set = {
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.slaDueAt !== undefined ? { sla_due_at: patch.slaDueAt } : {}),
          ...(patch.severity !== undefined ? { severity: patch.severity } : {}),
          updated_at: at,
        };
        const res = await tx.updateTable('work_orders').set(set).where('id', '=', id).where('state', 'in', ACTIVE_STATES).executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) {
          const wo = await get(id, tx);
          throw new AppError('ILLEGAL_TRANSITION', `work order ${id} is ${wo.state}; only an active order can be edited`);
        }
        const wo = await get(id, tx);
        await event(tx, id, 'edited', wo.state, wo.state, actor, at, `edited: ${Object.keys(patch).join(', ')}`);
        return wo;
      });
    },

    /** Moves an order between states if it is still in `from`; records who and when. */
    transition(id: string, t: TransitionInput): Promise<WorkOrder> {
      return write(async (tx) => {
        const extra =
          t.to === 'cancelled'
            ? { cancelled_at: t.at }
            : t.schedule
              ? { technician: t.schedule.technician ?? null, technician_id: t.schedule.technicianId ?? null, window_from: t.schedule.windowFrom, window_to: t.schedule.windowTo }
              : {};
        const res = await tx
          .updateTable('work_orders')
          .set({ state: t.to, updated_at: t.at, ...extra })
          .where('id', '=', id)
          .where('state', '=', t.from)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) {
          const now = await get(id, tx);
          throw new AppError('ILLEGAL_TRANSITION', `work order ${id} is ${now.state}, not ${t.from}; cannot move it to ${t.to}`);
        }
        // Cancelling gives back every reservation and stops pending transfers.
        if (t.to === 'cancelled') await settlePartRequests(tx, id, new Map(), t.at);
        await event(tx, id, 'transition', t.from, t.to, t.actor, t.at, t.note);
        return get(id, tx);
      });
    },

    /** in_progress -> completed with its completion record, consumed parts issued, the rest released: one transaction. */
    complete(id: string, c: CompletionRecord, actor: string, at: number): Promise<{ workOrder: WorkOrder; completion: WorkOrderCompletion }> {
      return write(async (tx) => {
        const res = await tx
          .updateTable('work_orders')
          .set({ state: 'completed', completed_at: at, updated_at: at })
          .where('id', '=', id)
          .where('state', '=', 'in_progress')
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) {
          const now = await get(id, tx);
          throw new AppError('ILLEGAL_TRANSITION', `work order ${id} is ${now.state}; only an in_progress order can be completed`);
        }
        // In the completion's transaction, so an item unticked meanwhile cannot slip through.
        const open = await tx
          .selectFrom('work_order_checklist_items')
          .select('label')
          .where('work_order_id', '=', id)
          .where('mandatory', '=', 1)
          .where('done_at', 'is', null)
          .orderBy('position')
          .execute();
        if (open.length) {
          throw new AppError('ILLEGAL_TRANSITION', `work order ${id}: ${open.length} mandatory checklist item(s) still open: ${open.map((o) => o.label).join('; ')}`, {
            openItems: open.map((o) => o.label),
          });
        }
        await tx
          .insertInto('work_order_completions')
          .values({
            work_order_id: id,
            failure_at: c.failureAt,
            symptom_code: c.symptomCode,
            cause_code: c.causeCode,
            remedy_code: c.remedyCode,
            responsible_department: c.responsibleDepartment,
            labour_hours: c.labourHours,
            travel_hours: c.travelHours,
            downtime_from: c.downtimeFrom,
            downtime_to: c.downtimeTo,
            fixed_on_first_visit: c.fixedOnFirstVisit ? 1 : 0,
            in_warranty: c.inWarranty ? 1 : 0,
            charged_to: c.chargedTo,
            contract_id: c.contractId ?? null,
            production_batch_id: c.productionBatchId ?? null,
            parts_cost_minor: c.partsCost.amountMinor,
            labour_cost_minor: c.labourCost.amountMinor,
            travel_cost_minor: c.travelCost.amountMinor,
            total_cost_minor: c.totalCost.amountMinor,
            currency: c.totalCost.currency,
            completed_by: actor,
            completed_at: at,
          })
          .execute();
        for (const p of c.partsConsumed) {
          await tx
            .insertInto('work_order_parts_consumed')
            .values({ work_order_id: id, part_id: p.partId, part_number: p.partNumber, quantity: p.quantity, unit_cost_minor: p.unitCost.amountMinor, currency: p.unitCost.currency })
            .execute();
        }
        const beyond = await settlePartRequests(tx, id, c.consumedByPartId, at);
        await issueUnreserved(
          tx,
          id,
          [...beyond].map(([partId, quantity]) => ({
            partId,
            partNumber: c.partsConsumed.find((p) => p.partId === partId)?.partNumber ?? partId,
            quantity,
            candidates: c.sourcesByPartId.get(partId)?.candidates ?? [],
            named: c.sourcesByPartId.get(partId)?.named ?? false,
          })),
          at,
        );
        await event(tx, id, 'completed', 'in_progress', 'completed', actor, at);
        const workOrder = await get(id, tx);
        const completion = await completionOf(id, tx);
        return { workOrder, completion: completion! };
      });
    },
  };
}
