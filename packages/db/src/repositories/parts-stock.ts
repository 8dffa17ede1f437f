import type { StockMovement } from '@hourmeter/domain';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Executor } from './crud.js';
import { assertExists, num, partsWriter } from './parts-rows.js';
import { levelFromRow, mustMove, type MovementInput, type MovementKind, type StockLevel } from './parts-stock-ledger.js';

/** Stock levels per location and part, their reorder points and the movements that changed them. */
export function stockRepository(db: Kysely<Database>) {
  const write = partsWriter(db);
  return {
    async level(warehouseId: string, partId: string, ex: Executor = db): Promise<StockLevel> {
      const r = await ex.selectFrom('stock_levels').selectAll().where('warehouse_id', '=', warehouseId).where('part_id', '=', partId).executeTakeFirst();
      return r
        ? levelFromRow(r)
        : { warehouseId, partId, onHand: 0, reserved: 0, available: 0, reorderPoint: 0, reorderQuantity: 0 };
    },
    async levels(filters: { warehouseId?: string | undefined; partId?: string | undefined } = {}): Promise<StockLevel[]> {
      let q = db.selectFrom('stock_levels').selectAll().orderBy('warehouse_id').orderBy('part_id');
      if (filters.warehouseId) q = q.where('warehouse_id', '=', filters.warehouseId);
      if (filters.partId) q = q.where('part_id', '=', filters.partId);
      return (await q.execute()).map(levelFromRow);
    },
    /** One movement in its own transaction; CONFLICT (nothing written) when the stock is not there. */
    move(m: MovementInput): Promise<StockLevel> {
      return write('stock movement', async (tx) => {
        await assertExists(tx, m.warehouseId, m.partId);
        await mustMove(tx, m);
        return levelFromRow(
          await tx.selectFrom('stock_levels').selectAll().where('warehouse_id', '=', m.warehouseId).where('part_id', '=', m.partId).executeTakeFirstOrThrow(),
        );
      });
    },
    setReorderPoint(warehouseId: string, partId: string, reorderPoint: number, reorderQuantity: number, now = Date.now()): Promise<StockLevel> {
      return write('stock level', async (tx) => {
        await assertExists(tx, warehouseId, partId);
        await tx
          .insertInto('stock_levels')
          .values({ warehouse_id: warehouseId, part_id: partId, on_hand: 0, reserved: 0, reorder_point: reorderPoint, reorder_quantity: reorderQuantity, updated_at: now })
          .onConflict((oc) => oc.columns(['warehouse_id', 'part_id']).doUpdateSet({ reorder_point: reorderPoint, reorder_quantity: reorderQuantity, updated_at: now }))
          .execute();
        return levelFromRow(
          await tx.selectFrom('stock_levels').selectAll().where('warehouse_id', '=', warehouseId).where('part_id', '=', partId).executeTakeFirstOrThrow(),
        );
      });
    },
    async movements(filters: { warehouseId?: string | undefined; partId?: string | undefined; workOrderId?: string | undefined; from?: number; to?: number } = {}): Promise<StockMovement[]> {
      let q = db.selectFrom('stock_movements').selectAll().orderBy('at').orderBy('id');
      if (filters.warehouseId) q = q.where('warehouse_id', '=', filters.warehouseId);
      if (filters.partId) q = q.where('part_id', '=', filters.partId);
      if (filters.workOrderId) q = q.where('work_order_id', '=', filters.workOrderId);
      if (filters.from !== undefined) q = q.where('at', '>=', filters.from);
      if (filters.to !== undefined) q = q.where('at', '<', filters.to);
      return (await q.execute()).map((r) => ({
        id: r.id,
        warehouseId: r.warehouse_id,
        partId: r.part_id,
        kind: r.kind as MovementKind,
        quantity: num(r.quantity),
        workOrderId: r.work_order_id ?? undefined,
        at: num(r.at),
      }));
    },
  };
}
