import type { PartRequest, SourcingPlan } from '@hourmeter/domain';
import { notFound } from '@hourmeter/runtime';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Executor } from './crud.js';
import { num, partsWriter, requestFromRow } from './parts-rows.js';
import { applyMovement } from './parts-stock-ledger.js';
import { serviceId } from './service-ids.js';

export interface PartRequestInput {
  workOrderId: string;
  partId: string;
  quantity: number;
  plan: SourcingPlan;
  at: number;
}

/** Work-order severity, most urgent first (no severity last): the order backorders are filled in. */
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, none: 4 };

/** Work orders' part requests: sourced from stock, by transfer or backordered, and backorders sourced again. */
export function partRequestsRepository(db: Kysely<Database>) {
  const write = partsWriter(db);
  return {
    /**
     * Records a part request and carries out its sourcing plan atomically.
     * Returns undefined when the planned stock was taken meanwhile (a
     * concurrent reservation won): the caller re-plans on fresh levels.
     */
    async create(input: PartRequestInput): Promise<PartRequest | undefined> {
      const raced = Symbol('raced');
      try {
        return await write('part request', async (tx) => {
          const id = serviceId('prq', input.at);
          const p = input.plan;
          let warehouseId: string | null;
          let state: PartRequest['state'];
          let transferId: string | null = null;
          if (p.kind === 'direct') {
            warehouseId = p.warehouseId;
            state = 'reserved';
            if (!(await applyMovement(tx, { warehouseId, partId: input.partId, kind: 'reservation', quantity: input.quantity, workOrderId: input.workOrderId, at: input.at }))) throw raced;
          } else {
            warehouseId = p.toWarehouseId;
            state = p.kind === 'transfer' ? 'in_transfer' : 'backordered';
            if (p.toWarehouseId) {
              transferId = serviceId('trf', input.at);
              if (p.kind === 'transfer') {
                const ok = await applyMovement(tx, {
                  warehouseId: p.fromWarehouseId, partId: input.partId, kind: 'reservation', quantity: input.quantity, workOrderId: input.workOrderId, transferId, at: input.at,
                });
                if (!ok) throw raced;
              }
              await tx
                .insertInto('stock_transfers')
                .values({
                  id: transferId,
                  part_id: input.partId,
                  quantity: input.quantity,
                  from_warehouse_id: p.kind === 'transfer' ? p.fromWarehouseId : null,
                  to_warehouse_id: p.toWarehouseId,
                  part_request_id: id,
                  state: p.kind === 'transfer' ? 'requested' : 'backordered',
                  created_at: input.at,
                  updated_at: input.at,
                })
                .execute();
            }
          }
          await tx
            .insertInto('part_requests')
            .values({
              id,
              work_order_id: input.workOrderId,
              part_id: input.partId,
              quantity: input.quantity,
              warehouse_id: warehouseId,
              state,
              served_from_stock: p.kind === 'direct' ? 1 : 0,
              sourcing: p.kind,
              transfer_id: transferId,
              requested_at: input.at,
              updated_at: input.at,
            })
            .execute();
          return (await this.forWorkOrder(input.workOrderId, tx)).find((r) => r.id === id)!;
        });
      } catch (err) {
        if (err === raced) return undefined;
        throw err;
      }
    },
    /**
     * Backordered requests for a part, most urgent order first: severity,
     * then the earliest SLA due time, then the oldest request.
     */
    async waiting(partId: string): Promise<(PartRequest & { assetId: string })[]> {
      const rows = await db
        .selectFrom('part_requests')
        .innerJoin('parts', 'parts.id', 'part_requests.part_id')
        .innerJoin('work_orders', 'work_orders.id', 'part_requests.work_order_id')
        .selectAll('part_requests')
        .select(['parts.part_number', 'work_orders.asset_id', 'work_orders.severity', 'work_orders.sla_due_at'])
        .where('part_requests.part_id', '=', partId)
        .where('part_requests.state', '=', 'backordered')
        .where('work_orders.state', 'in', ['open', 'scheduled', 'in_progress'])
        .execute();
      const rank = (s: string | null) => SEVERITY_RANK[s ?? ''] ?? SEVERITY_RANK.none!;
      return rows
        .sort(
          (a, b) =>
            rank(a.severity) - rank(b.severity) ||
            (a.sla_due_at === null ? Infinity : num(a.sla_due_at)) - (b.sla_due_at === null ? Infinity : num(b.sla_due_at)) ||
            num(a.requested_at) - num(b.requested_at) ||
            a.id.localeCompare(b.id),
        )
        .map((r) => ({ ...requestFromRow(r), assetId: r.asset_id }));
    },
    /**
     * Sources a backordered request again on a fresh plan, keeping the
     * request (and so its first sourcing, which fill rate counts once).
     * Returns undefined when it is no longer backordered or the planned
     * stock was taken meanwhile; the caller re-plans or moves on.
     */
    async resource(requestId: string, plan: Exclude<SourcingPlan, { kind: 'backorder' }>, at: number): Promise<PartRequest | undefined> {
      const raced = Symbol('raced');
      try {
        return await write('part request', async (tx) => {
          const r = await tx.selectFrom('part_requests').selectAll().where('id', '=', requestId).executeTakeFirst();
          if (!r) throw notFound('part request', requestId);
          // Claim the row first: a concurrent re-sourcing of the same request finds it changed.
          const claimed = await tx
            .updateTable('part_requests')
            .set({ state: plan.kind === 'direct' ? 'reserved' : 'in_transfer', warehouse_id: plan.kind === 'direct' ? plan.warehouseId : plan.toWarehouseId, updated_at: at })
            .where('id', '=', requestId)
            .where('state', '=', 'backordered')
            .executeTakeFirst();
          if (Number(claimed.numUpdatedRows) !== 1) throw raced;
          const quantity = num(r.quantity);
          if (plan.kind === 'direct') {
            if (!(await applyMovement(tx, { warehouseId: plan.warehouseId, partId: r.part_id, kind: 'reservation', quantity, workOrderId: r.work_order_id, note: 'backorder filled', at }))) throw raced;
            if (r.transfer_id) await tx.updateTable('stock_transfers').set({ state: 'cancelled', updated_at: at }).where('id', '=', r.transfer_id).where('state', '=', 'backordered').execute();
          } else {
            const transferId = r.transfer_id ?? serviceId('trf', at);
            const ok = await applyMovement(tx, { warehouseId: plan.fromWarehouseId, partId: r.part_id, kind: 'reservation', quantity, workOrderId: r.work_order_id, transferId, note: 'backorder filled', at });
            if (!ok) throw raced;
            if (r.transfer_id) {
              await tx
                .updateTable('stock_transfers')
                .set({ state: 'requested', from_warehouse_id: plan.fromWarehouseId, to_warehouse_id: plan.toWarehouseId, updated_at: at })
                .where('id', '=', transferId)
                .execute();
            } else {
              await tx
                .insertInto('stock_transfers')
                .values({ id: transferId, part_id: r.part_id, quantity, from_warehouse_id: plan.fromWarehouseId, to_warehouse_id: plan.toWarehouseId, part_request_id: r.id, state: 'requested', created_at: at, updated_at: at })
                .execute();
              await tx.updateTable('part_requests').set({ transfer_id: transferId }).where('id', '=', r.id).execute();
            }
          }
          return (await this.forWorkOrder(r.work_order_id, tx)).find((x) => x.id === requestId)!;
        });
      } catch (err) {
        if (err === raced) return undefined;
        throw err;
      }
    },
    async forWorkOrder(workOrderId: string, ex: Executor = db): Promise<PartRequest[]> {
      const rows = await ex
        .selectFrom('part_requests')
        .innerJoin('parts', 'parts.id', 'part_requests.part_id')
        .selectAll('part_requests')
        .select('parts.part_number')
        .where('work_order_id', '=', workOrderId)
        .orderBy('part_requests.id')
        .execute();
      return rows.map(requestFromRow);
    },
    async inPeriod(from: number, to: number): Promise<PartRequest[]> {
      const rows = await db
        .selectFrom('part_requests')
        .innerJoin('parts', 'parts.id', 'part_requests.part_id')
        .selectAll('part_requests')
        .select('parts.part_number')
        .where('requested_at', '>=', from)
        .where('requested_at', '<', to)
        .orderBy('part_requests.id')
        .execute();
      return rows.map(requestFromRow);
    },
  };
}
