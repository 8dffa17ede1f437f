import { AppError } from '@hourmeter/runtime';
import { sql } from 'kysely';
import type { Executor } from './crud.js';
import { num } from './parts-rows.js';
import { applyMovement, mustMove } from './parts-stock-ledger.js';

/** A work order's parts when it ends: its requests settled, units used beyond them issued (the work-order repository runs these in its transactions). */

/**
 * Releases or issues every open part request of a work order inside `tx`
 * (cancel releases; completion issues what was consumed, releases the rest).
 * Transfers not yet shipped are cancelled and their source reservation released.
 */
export async function settlePartRequests(
  tx: Executor,
  workOrderId: string,
  consumed: ReadonlyMap<string, number>,
  at: number,
): Promise<Map<string, number>> {
  const open = await tx
    .selectFrom('part_requests')
    .selectAll()
    .where('work_order_id', '=', workOrderId)
    .where('state', 'in', ['reserved', 'in_transfer', 'backordered'])
    .orderBy('id')
    .execute();
  const left = new Map(consumed);
  for (const r of open) {
    const q = num(r.quantity);
    if (r.state === 'reserved' && r.warehouse_id) {
      const use = Math.min(q, left.get(r.part_id) ?? 0);
      if (use > 0) {
        await mustMove(tx, { warehouseId: r.warehouse_id, partId: r.part_id, kind: 'issue', quantity: use, workOrderId, at });
        left.set(r.part_id, (left.get(r.part_id) ?? 0) - use);
      }
      if (q - use > 0) {
        await mustMove(tx, { warehouseId: r.warehouse_id, partId: r.part_id, kind: 'release', quantity: q - use, workOrderId, at });
      }
      await tx.updateTable('part_requests').set({ state: use > 0 ? 'issued' : 'released', updated_at: at }).where('id', '=', r.id).execute();
      continue;
    }
    if (r.transfer_id) {
      const t = await tx.selectFrom('stock_transfers').selectAll().where('id', '=', r.transfer_id).executeTakeFirst();
      if (t && t.state === 'requested' && t.from_warehouse_id) {
        await mustMove(tx, { warehouseId: t.from_warehouse_id, partId: t.part_id, kind: 'release', quantity: num(t.quantity), workOrderId, transferId: t.id, at });
      }
      if (t && (t.state === 'requested' || t.state === 'backordered')) {
        await tx.updateTable('stock_transfers').set({ state: 'cancelled', updated_at: at }).where('id', '=', t.id).execute();
      }
    }
    await tx.updateTable('part_requests').set({ state: 'released', updated_at: at }).where('id', '=', r.id).execute();
  }
  return new Map([...left].filter(([, q]) => q > 0));
}

/** Part consumed on a completion beyond what its reservations covered, and where to take it from. */
export interface UnreservedUse {
  partId: string;
  partNumber: string;
  quantity: number;
  /** Locations to try, in order: the one named on the completion, or every location nearest first. */
  candidates: readonly string[];
  /** True when the technician named the location: only it is tried. */
  named: boolean;
}

/** Locations holding available units of a part, most first: what a refusal tells the planner. */
export async function whereStockIs(ex: Executor, partId: string): Promise<{ warehouseId: string; code: string; name: string; available: number }[]> {
  const rows = await ex
    .selectFrom('stock_levels')
    .innerJoin('warehouses', 'warehouses.id', 'stock_levels.warehouse_id')
    .select(['stock_levels.warehouse_id', 'warehouses.code', 'warehouses.name', 'stock_levels.on_hand', 'stock_levels.reserved'])
    .where('stock_levels.part_id', '=', partId)
    .where(sql<boolean>`stock_levels.on_hand > stock_levels.reserved`)
    .execute();
  return rows
    .map((r) => ({ warehouseId: r.warehouse_id, code: r.code, name: r.name, available: num(r.on_hand) - num(r.reserved) }))
    .sort((a, b) => b.available - a.available || a.code.localeCompare(b.code));
}

/**
 * Issues units used beyond the order's reservations (DOMAIN rule "stock follows
 * use"): from the first candidate location that has them all, as a reservation
 * plus an issue against the work order, so the ledger shows where they left.
 * Nothing there: CONFLICT naming where the part is in stock, and the caller's
 * transaction (the whole completion) rolls back.
 */
export async function issueUnreserved(tx: Executor, workOrderId: string, uses: readonly UnreservedUse[], at: number): Promise<void> {
  for (const u of uses) {
    let done = false;
    for (const warehouseId of u.candidates) {
      const m = { warehouseId, partId: u.partId, quantity: u.quantity, workOrderId, note: 'used beyond the reservation', at };
      if (await applyMovement(tx, { ...m, kind: 'reservation' })) {
        await mustMove(tx, { ...m, kind: 'issue' });
        done = true;
        break;
      }
    }
    if (done) continue;
    const stock = await whereStockIs(tx, u.partId);
    const named = u.named ? await tx.selectFrom('warehouses').select(['code']).where('id', '=', u.candidates[0]!).executeTakeFirst() : undefined;
    const where = named ? `${named.code} does not have them` : 'no location has them all';
    const exists = stock.length
      ? `stock exists at ${stock.map((s) => `${s.code} (${s.name}): ${s.available} available`).join('; ')}`
      : 'no location has it in stock';
    throw new AppError(
      'CONFLICT',
      `partsConsumed: ${u.quantity} x ${u.partNumber} used beyond the order's reservations, but ${where}; ${exists}. Receive or transfer the stock first, or name the location the units came from (warehouseId).`,
      { field: 'partsConsumed', partNumber: u.partNumber, stock },
    );
  }
}
