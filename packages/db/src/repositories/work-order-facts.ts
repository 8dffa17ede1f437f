import type { CompletedWork, DowntimeEvent, ServiceCost, WorkOrderFacts } from '@hourmeter/domain';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/**
 * The work-order facts ports over the work-order tables (migration 0003):
 * completed orders with their downtime window, responsible department,
 * labour, travel, parts consumed and costs. Read-only; contracts reads them
 * through the ports (wired in services/server), never the tables.
 */
export function workOrderFactsRepository(db: Kysely<Database>): WorkOrderFacts {
  const completions = () =>
    db
      .selectFrom('work_order_completions as c')
      .innerJoin('work_orders as w', 'w.id', 'c.work_order_id')
      .where('w.state', '=', 'completed');

  return {
    async unplannedDowntime(assetIds, from, to): Promise<DowntimeEvent[]> {
      if (assetIds.length === 0) return [];
      const rows = await completions()
        .select(['w.id', 'w.asset_id', 'w.kind', 'w.description', 'c.downtime_from', 'c.downtime_to', 'c.responsible_department'])
        .where('w.asset_id', 'in', [...assetIds])
        .where('c.downtime_to', '>', from)
        .where('c.downtime_from', '<', to)
        .execute();
      return rows.map((r) => ({
        workOrderId: r.id,
        assetId: r.asset_id,
        from: Number(r.downtime_from),
        to: Number(r.downtime_to),
        cause: r.responsible_department,
        // Corrective orders are unplanned; preventive and inspection downtime is agreed maintenance.
        planned: r.kind !== 'corrective',
        description: r.description ?? undefined,
      }));
    },

    async completedWork(assetIds, from, to): Promise<CompletedWork[]> {
      if (assetIds.length === 0) return [];
      const rows = await completions()
        .select(['w.id', 'w.asset_id', 'w.description', 'c.completed_at', 'c.responsible_department', 'c.in_warranty', 'c.labour_hours', 'c.travel_hours'])
        .where('w.asset_id', 'in', [...assetIds])
        .where('c.completed_at', '>=', from)
        .where('c.completed_at', '<', to)
        .execute();
      if (rows.length === 0) return [];
      const parts = await db
        .selectFrom('work_order_parts_consumed')
        .select(['work_order_id', 'part_number', 'quantity', 'unit_cost_minor', 'currency'])
        .where('work_order_id', 'in', rows.map((r) => r.id))
        .execute();
      return rows.map((r) => ({
        workOrderId: r.id,
        assetId: r.asset_id,
        completedAt: Number(r.completed_at),
        cause: r.responsible_department,
        inWarranty: Number(r.in_warranty) === 1,
        labourHours: Number(r.labour_hours),
        travelHours: Number(r.travel_hours),
        parts: parts
          .filter((p) => p.work_order_id === r.id)
          .map((p) => ({ partNumber: p.part_number, quantity: Number(p.quantity), unitCostMinor: Number(p.unit_cost_minor), currency: p.currency })),
        description: r.description ?? undefined,
      }));
    },

    async costs(assetIds, from, to): Promise<ServiceCost[]> {
      let q = completions()
        .select(['w.id', 'w.asset_id', 'c.completed_at', 'c.parts_cost_minor', 'c.labour_cost_minor', 'c.travel_cost_minor', 'c.currency'])
        .where('c.completed_at', '>=', from)
        .where('c.completed_at', '<', to);
      if (assetIds !== 'all') {
        if (assetIds.length === 0) return [];
        q = q.where('w.asset_id', 'in', [...assetIds]);
      }
      const rows = await q.execute();
      return rows.map((r) => ({
        workOrderId: r.id,
        assetId: r.asset_id,
        at: Number(r.completed_at),
        partsCostMinor: Number(r.parts_cost_minor),
        labourCostMinor: Number(r.labour_cost_minor),
        travelCostMinor: Number(r.travel_cost_minor),
        currency: r.currency,
      }));
    },
  };
}
