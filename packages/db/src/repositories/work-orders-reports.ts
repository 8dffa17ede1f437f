import type { WorkOrder } from '@hourmeter/domain';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { ACTIVE_STATES, completionFromRow, num, workOrderFromRow } from './work-orders-rows.js';

/** Rows the service reports are computed from (see services/work-orders core/reports.ts). */
export function workOrderReportDataRepository(db: Kysely<Database>) {
  return {
    async workOrders(from: number, to: number) {
      // Orders created or completed in the period, plus every still-active one (backlog).
      const rows = await db
        .selectFrom('work_orders')
        .innerJoin('assets', 'assets.id', 'work_orders.asset_id')
        .selectAll('work_orders')
        .select(['assets.asset_model_id', 'assets.production_batch_id'])
        .where((eb) =>
          eb.or([
            eb.and([eb('work_orders.created_at', '>=', from), eb('work_orders.created_at', '<', to)]),
            eb.and([eb('work_orders.completed_at', '>=', from), eb('work_orders.completed_at', '<', to)]),
            eb('work_orders.state', 'in', ACTIVE_STATES),
          ]),
        )
        .orderBy('work_orders.id')
        .execute();
      return rows.map((r) => ({ ...workOrderFromRow(r), assetModelId: r.asset_model_id }));
    },
    async completions(from: number, to: number) {
      const rows = await db
        .selectFrom('work_order_completions')
        .innerJoin('work_orders', 'work_orders.id', 'work_order_completions.work_order_id')
        .innerJoin('assets', 'assets.id', 'work_orders.asset_id')
        .selectAll('work_order_completions')
        .select(['work_orders.kind', 'work_orders.asset_id', 'work_orders.failure_mode', 'assets.asset_model_id'])
        .where('work_order_completions.completed_at', '>=', from)
        .where('work_order_completions.completed_at', '<', to)
        .orderBy('work_order_completions.work_order_id')
        .execute();
      return rows.map((r) => ({
        ...completionFromRow(r, []),
        kind: r.kind as WorkOrder['kind'],
        assetId: r.asset_id,
        failureMode: r.failure_mode ?? undefined,
        assetModelId: r.asset_model_id,
      }));
    },
    async partsConsumed(from: number, to: number) {
      const rows = await db
        .selectFrom('work_order_parts_consumed')
        .innerJoin('work_order_completions', 'work_order_completions.work_order_id', 'work_order_parts_consumed.work_order_id')
        .selectAll('work_order_parts_consumed')
        .where('work_order_completions.completed_at', '>=', from)
        .where('work_order_completions.completed_at', '<', to)
        .execute();
      return rows.map((r) => ({ workOrderId: r.work_order_id, partId: r.part_id, partNumber: r.part_number, quantity: num(r.quantity), unitCostMinor: num(r.unit_cost_minor), currency: r.currency }));
    },
    async operatingMsByModel(fromDay: string, toDay: string): Promise<Map<string, number>> {
      const rows = await db
        .selectFrom('operating_hours_daily')
        .innerJoin('assets', 'assets.id', 'operating_hours_daily.asset_id')
        .select((eb) => ['assets.asset_model_id', eb.fn.sum<number>('operating_hours_daily.operating_ms').as('ms')])
        .where('operating_hours_daily.day', '>=', fromDay)
        .where('operating_hours_daily.day', '<=', toDay)
        .groupBy('assets.asset_model_id')
        .execute();
      return new Map(rows.map((r) => [r.asset_model_id, Number(r.ms)]));
    },
  };
}
