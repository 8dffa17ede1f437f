import { type PartRequest, type StockTransfer } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database, PartRequestsTable, StockTransfersTable } from '../schema.js';
import type { Executor } from './crud.js';

/** What the parts of the parts repository share: row mapping, the reference check, their transaction. */

export type Row = Record<string, unknown>;
export const num = (v: unknown) => Number(v);

export function requestFromRow(r: Selectable<PartRequestsTable> & { part_number: string }): PartRequest {
  return {
    id: r.id,
    workOrderId: r.work_order_id,
    partId: r.part_id,
    partNumber: r.part_number,
    quantity: num(r.quantity),
    warehouseId: r.warehouse_id,
    state: r.state as PartRequest['state'],
    servedFromStock: num(r.served_from_stock) === 1,
    sourcing: r.sourcing as PartRequest['sourcing'],
    transferId: r.transfer_id,
    requestedAt: num(r.requested_at),
    updatedAt: num(r.updated_at),
  };
}

export function transferFromRow(r: Selectable<StockTransfersTable>): StockTransfer {
  return {
    id: r.id,
    partId: r.part_id,
    quantity: num(r.quantity),
    fromWarehouseId: r.from_warehouse_id,
    toWarehouseId: r.to_warehouse_id,
    partRequestId: r.part_request_id,
    state: r.state as StockTransfer['state'],
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

/** Runs `fn` in one transaction; database errors become the API's errors for `what`. */
export function partsWriter(db: Kysely<Database>) {
  async function write<R>(what: string, fn: (tx: Transaction<Database>) => Promise<R>): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      throw translateDbError(err, what);
    }
  }
  return write;
}

export async function assertExists(tx: Executor, warehouseId: string, partId: string): Promise<void> {
  const w = await tx.selectFrom('warehouses').select('id').where('id', '=', warehouseId).executeTakeFirst();
  if (!w) throw new AppError('REFERENCE_NOT_FOUND', `warehouseId: warehouse ${warehouseId} does not exist`, { field: 'warehouseId', id: warehouseId });
  const p = await tx.selectFrom('parts').select('id').where('id', '=', partId).executeTakeFirst();
  if (!p) throw new AppError('REFERENCE_NOT_FOUND', `partId: part ${partId} does not exist`, { field: 'partId', id: partId });
}
