import type { WorkOrder, WorkOrderCompletion } from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { Kysely, Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database } from '../schema.js';
import type { Executor } from './crud.js';
import { appendToOutbox } from './outbox.js';
import { serviceId } from './service-ids.js';
import { completionFromRow, num, workOrderFromRow, type WorkOrderState } from './work-orders-rows.js';

/** What the parts of the work-order repository share: their transaction, reading an order back, its history events. */

/** How an order changed, as its outbox event says. */
export type WorkOrderChange = 'created' | 'refreshed' | 'edited' | 'transition' | 'completed';

/** Runs `fn` in one transaction; database errors become the API's errors for a work order. */
export function workOrderWriter(db: Kysely<Database>) {
  async function write<R>(fn: (tx: Transaction<Database>) => Promise<R>): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      throw translateDbError(err, 'work order');
    }
  }
  return write;
}

/** One order, and its completion record with the parts consumed. */
export function workOrderReader(db: Kysely<Database>) {
  async function find(id: string, ex: Executor = db): Promise<WorkOrder | undefined> {
    const r = await ex.selectFrom('work_orders').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? workOrderFromRow(r) : undefined;
  }
  async function get(id: string, ex: Executor = db): Promise<WorkOrder> {
    const wo = await find(id, ex);
    if (!wo) throw notFound('work order', id);
    return wo;
  }

  async function completionOf(id: string, ex: Executor = db): Promise<WorkOrderCompletion | undefined> {
    const r = await ex.selectFrom('work_order_completions').selectAll().where('work_order_id', '=', id).executeTakeFirst();
    if (!r) return undefined;
    const parts = await ex.selectFrom('work_order_parts_consumed').selectAll().where('work_order_id', '=', id).orderBy('part_number').execute();
    return completionFromRow(
      r,
      parts.map((p) => ({ partId: p.part_id, partNumber: p.part_number, quantity: num(p.quantity), unitCost: { amountMinor: num(p.unit_cost_minor), currency: p.currency } })),
    );
  }
  return { find, get, completionOf };
}

export function workOrderEventRecorder(db: Kysely<Database>) {
  const { get, completionOf } = workOrderReader(db);

  /**
   * Records a step of the order's history and, in the same transaction, its
   * event in the integration outbox (webhooks): the payloads of the bus's
   * `workorder.*` events, with `change` also `edited` for planning edits.
   */
  async function event(tx: Executor, workOrderId: string, change: WorkOrderChange, from: WorkOrderState | null, to: WorkOrderState, actor: string, at: number, note?: string) {
    await tx
      .insertInto('work_order_events')
      .values({ id: serviceId('woe', at), work_order_id: workOrderId, from_state: from, to_state: to, actor, at, note: note ?? null })
      .execute();
    const workOrder = await get(workOrderId, tx);
    if (change === 'created') await appendToOutbox(tx, 'workorder.created', { workOrder }, at);
    else if (change === 'completed') await appendToOutbox(tx, 'workorder.completed', { workOrder, completion: await completionOf(workOrderId, tx) }, at);
    else await appendToOutbox(tx, 'workorder.updated', { workOrder, change, ...(from ? { from } : {}), to, actor }, at);
  }
  return event;
}

export async function checkAsset(tx: Executor, assetId: string): Promise<void> {
  const a = await tx.selectFrom('assets').select('id').where('id', '=', assetId).executeTakeFirst();
  if (!a) throw new AppError('REFERENCE_NOT_FOUND', `assetId: asset ${assetId} does not exist`, { field: 'assetId', id: assetId });
}
