import type { PartReturn } from '@hourmeter/domain';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { num } from './parts-rows.js';

/** The rows of the parts reconciliation report. */
export function partReconciliationRepository(db: Kysely<Database>) {
  return {
  /**
   * What the parts reconciliation report compares, for orders completed in
   * [from, to): quantities consumed (completion), issued and returned unused
   * (ledger, with the location), returned defective (returns).
   */
  async reconciliationData(from: number, to: number) {
    const completed = db
      .selectFrom('work_order_completions')
      .select('work_order_id')
      .where('completed_at', '>=', from)
      .where('completed_at', '<', to);
    const consumed = await db
      .selectFrom('work_order_parts_consumed')
      .select(['work_order_id', 'part_id', 'part_number', 'quantity'])
      .where('work_order_id', 'in', completed)
      .execute();
    const moved = await db
      .selectFrom('stock_movements')
      .innerJoin('warehouses', 'warehouses.id', 'stock_movements.warehouse_id')
      .innerJoin('parts', 'parts.id', 'stock_movements.part_id')
      .select(['stock_movements.work_order_id', 'stock_movements.part_id', 'parts.part_number', 'stock_movements.kind', 'stock_movements.quantity', 'warehouses.code'])
      .where('stock_movements.kind', 'in', ['issue', 'return'])
      .where('stock_movements.work_order_id', 'in', completed)
      .execute();
    const returned = await db
      .selectFrom('part_returns')
      .innerJoin('parts', 'parts.id', 'part_returns.part_id')
      .select(['part_returns.work_order_id', 'part_returns.part_id', 'parts.part_number', 'part_returns.condition', 'part_returns.quantity'])
      .where('part_returns.work_order_id', 'in', completed)
      .execute();
    return {
      consumed: consumed.map((r) => ({ workOrderId: r.work_order_id, partId: r.part_id, partNumber: r.part_number, quantity: num(r.quantity) })),
      movements: moved.map((r) => ({
        workOrderId: r.work_order_id!,
        partId: r.part_id,
        partNumber: r.part_number,
        kind: r.kind as 'issue' | 'return',
        quantity: num(r.quantity),
        warehouseCode: r.code,
      })),
      returns: returned.map((r) => ({
        workOrderId: r.work_order_id,
        partId: r.part_id,
        partNumber: r.part_number,
        condition: r.condition as PartReturn['condition'],
        quantity: num(r.quantity),
      })),
    };
  },
  };
}
