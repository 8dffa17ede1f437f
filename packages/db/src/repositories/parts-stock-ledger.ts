import { movementEffect, movementQuantityProblem, type StockMovement } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import { sql } from 'kysely';
import type { Executor } from './crud.js';
import { serviceId } from './service-ids.js';

type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v);

/**
 * The stock ledger: every change of stock is one movement row, applied to the
 * level of its location and part by one conditional UPDATE (the stock rules
 * of @hourmeter/domain). The parts repository's reservations, transfers,
 * returns and consumptions all move stock through it.
 */
export type MovementKind = StockMovement['kind'];

export interface MovementInput {
  warehouseId: string;
  partId: string;
  kind: MovementKind;
  /** Positive, except for adjustments, which are signed. */
  quantity: number;
  workOrderId?: string | undefined;
  transferId?: string | undefined;
  note?: string | undefined;
  at: number;
}

export interface StockLevel {
  warehouseId: string;
  partId: string;
  onHand: number;
  reserved: number;
  available: number;
  reorderPoint: number;
  reorderQuantity: number;
}

/**
 * Applies one ledger movement inside `tx`: a single conditional UPDATE, so two
 * concurrent reservations can never both take the last unit (PostgreSQL
 * re-checks the WHERE after the row lock; SQLite serialises writers). Returns
 * false, writing nothing, when the stock is not there.
 */
export async function applyMovement(tx: Executor, m: MovementInput): Promise<boolean> {
  const problem = movementQuantityProblem(m.kind, m.quantity);
  if (problem) throw new AppError('VALIDATION_FAILED', problem, { field: 'quantity' });
  const d = movementEffect(m.kind, m.quantity);
  if (d.onHand > 0) {
    await tx
      .insertInto('stock_levels')
      .values({ warehouse_id: m.warehouseId, part_id: m.partId, on_hand: 0, reserved: 0, reorder_point: 0, reorder_quantity: 0, updated_at: m.at })
      .onConflict((oc) => oc.columns(['warehouse_id', 'part_id']).doNothing())
      .execute();
  }
  const res = await tx
    .updateTable('stock_levels')
    .set({
      on_hand: sql<number>`on_hand + ${d.onHand}`,
      reserved: sql<number>`reserved + ${d.reserved}`,
      updated_at: m.at,
    })
    .where('warehouse_id', '=', m.warehouseId)
    .where('part_id', '=', m.partId)
    // stockAfter (@hourmeter/domain) as a condition of the UPDATE itself: checked and applied atomically.
    .where(sql<boolean>`on_hand + ${d.onHand} >= reserved + ${d.reserved}`)
    .where(sql<boolean>`reserved + ${d.reserved} >= 0`)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) return false;
  await tx
    .insertInto('stock_movements')
    .values({
      id: serviceId('stm', m.at),
      warehouse_id: m.warehouseId,
      part_id: m.partId,
      kind: m.kind,
      quantity: m.quantity,
      work_order_id: m.workOrderId ?? null,
      transfer_id: m.transferId ?? null,
      note: m.note ?? null,
      at: m.at,
    })
    .execute();
  return true;
}

export async function mustMove(tx: Executor, m: MovementInput): Promise<void> {
  if (await applyMovement(tx, m)) return;
  const level = await tx
    .selectFrom('stock_levels')
    .select(['on_hand', 'reserved'])
    .where('warehouse_id', '=', m.warehouseId)
    .where('part_id', '=', m.partId)
    .executeTakeFirst();
  const onHand = Number(level?.on_hand ?? 0);
  const reserved = Number(level?.reserved ?? 0);
  throw new AppError(
    'CONFLICT',
    `insufficient stock for ${m.kind} of ${m.quantity}: warehouse ${m.warehouseId} holds ${onHand} of part ${m.partId}, ${reserved} reserved, ${onHand - reserved} available`,
    { onHand, reserved },
  );
}

export function levelFromRow(r: Row): StockLevel {
  const onHand = num(r.on_hand);
  const reserved = num(r.reserved);
  return {
    warehouseId: String(r.warehouse_id),
    partId: String(r.part_id),
    onHand,
    reserved,
    available: onHand - reserved,
    reorderPoint: num(r.reorder_point),
    reorderQuantity: num(r.reorder_quantity),
  };
}
