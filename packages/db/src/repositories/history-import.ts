import { newId } from '@hourmeter/domain';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { serviceId } from './service-ids.js';

export interface HistoricalOrder {
  /** The source row, for the report. */
  row: number;
  assetId: string;
  at: number;
  kind: 'corrective' | 'preventive' | 'inspection';
  failureMode?: string | undefined;
  symptomCode: string;
  causeCode: string;
  remedyCode: string;
  responsibleDepartment: string;
  labourHours: number;
  parts: { partId: string; partNumber: string; quantity: number; unitCostMinor: number; currency: string }[];
  /** Currency of the order's cost totals (the parts', else the customer's). */
  currency: string;
  description: string;
}

/**
 * Completed work orders from a user's past records, written in one
 * transaction so a file is imported whole or not at all. An order already
 * there (same asset, kind, failure mode and failure time) is skipped, so a
 * file can be imported twice. History never touches stock: the parts were
 * used long ago.
 */
export function historyImportRepository(db: Kysely<Database>) {
  return {
    /** Assets by serial number, with their model's id and code (serials are unique per model only). */
    async assetsBySerial(serials: readonly string[]) {
      if (serials.length === 0) return [];
      const out = [];
      // Chunked: PostgreSQL and SQLite limit bound parameters.
      for (let i = 0; i < serials.length; i += 500) {
        const rows = await db
          .selectFrom('assets')
          .innerJoin('asset_models', 'asset_models.id', 'assets.asset_model_id')
          .innerJoin('sites', 'sites.id', 'assets.site_id')
          .innerJoin('customers', 'customers.id', 'sites.customer_id')
          .select(['assets.id', 'assets.serial_number', 'assets.asset_model_id', 'asset_models.code', 'customers.currency'])
          .where('assets.serial_number', 'in', serials.slice(i, i + 500))
          .execute();
        out.push(...rows.map((r) => ({ assetId: r.id, serialNumber: r.serial_number, assetModelId: r.asset_model_id, assetModelCode: r.code, currency: r.currency })));
      }
      return out;
    },

    async partsByNumber(partNumbers: readonly string[]) {
      if (partNumbers.length === 0) return [];
      const rows = await db.selectFrom('parts').select(['id', 'part_number', 'unit_cost_minor', 'currency']).where('part_number', 'in', [...partNumbers]).execute();
      const fits = await db.selectFrom('part_fits').select(['part_id', 'asset_model_id']).where('part_id', 'in', rows.length ? rows.map((r) => r.id) : ['']).execute();
      return rows.map((r) => ({
        partId: r.id,
        partNumber: r.part_number,
        unitCostMinor: Number(r.unit_cost_minor),
        currency: r.currency,
        fitsAssetModelIds: fits.filter((f) => f.part_id === r.id).map((f) => f.asset_model_id),
      }));
    },

    async importCompleted(orders: readonly HistoricalOrder[], actor: string, now: number): Promise<{ imported: number; duplicateRows: number[] }> {
      return db.transaction().execute(async (tx) => {
        let imported = 0;
        const duplicateRows: number[] = [];
        for (const o of orders) {
          let q = tx
            .selectFrom('work_orders')
            .leftJoin('work_order_completions', 'work_order_completions.work_order_id', 'work_orders.id')
            .select('work_orders.id')
            .where('work_orders.asset_id', '=', o.assetId)
            .where('work_orders.kind', '=', o.kind)
            .where('work_orders.state', '=', 'completed')
            .where('work_order_completions.failure_at', '=', o.at);
          q = o.failureMode === undefined ? q.where('work_orders.failure_mode', 'is', null) : q.where('work_orders.failure_mode', '=', o.failureMode);
          if (await q.executeTakeFirst()) {
            duplicateRows.push(o.row);
            continue;
          }
          const id = newId('workOrder', o.at);
          await tx
            .insertInto('work_orders')
            .values({
              id, kind: o.kind, state: 'completed', asset_id: o.assetId, failure_mode: o.failureMode ?? null, alert_id: null, description: o.description,
              reason: null, source: 'manual', severity: null, rul_hours: null, suggested_part_numbers: null, schedule_id: null, technician: null,
              window_from: null, window_to: null, sla_due_at: null, repeat_of_id: null, completed_at: o.at, cancelled_at: null, created_at: o.at, updated_at: now,
            })
            .execute();
          await tx
            .insertInto('work_order_events')
            .values([
              { id: serviceId('woe', o.at), work_order_id: id, from_state: null, to_state: 'open', actor, at: o.at, note: o.description },
              { id: serviceId('woe', o.at), work_order_id: id, from_state: 'open', to_state: 'completed', actor, at: o.at, note: `imported ${new Date(now).toISOString()}` },
            ])
            .execute();
          const partsCost = o.parts.reduce((s, p) => s + p.unitCostMinor * p.quantity, 0);
          await tx
            .insertInto('work_order_completions')
            .values({
              work_order_id: id, failure_at: o.at, symptom_code: o.symptomCode, cause_code: o.causeCode, remedy_code: o.remedyCode,
              responsible_department: o.responsibleDepartment, labour_hours: o.labourHours, travel_hours: 0, downtime_from: o.at, downtime_to: o.at,
              fixed_on_first_visit: 1, in_warranty: 0, charged_to: 'customer', contract_id: null, production_batch_id: null,
              parts_cost_minor: partsCost, labour_cost_minor: 0, travel_cost_minor: 0, total_cost_minor: partsCost, currency: o.currency,
              completed_by: actor, completed_at: o.at,
            })
            .execute();
          for (const p of o.parts) {
            await tx
              .insertInto('work_order_parts_consumed')
              .values({ work_order_id: id, part_id: p.partId, part_number: p.partNumber, quantity: p.quantity, unit_cost_minor: p.unitCostMinor, currency: p.currency })
              .execute();
          }
          imported++;
        }
        return { imported, duplicateRows };
      });
    },
  };
}

export type HistoryImportRepository = ReturnType<typeof historyImportRepository>;
