import {
  newId,
  PartInput,
  type Part,
  type PartRequest,
  type PartReturn,
  type SourcingPlan,
  type StockMovement,
  type StockTransfer,
  type Warehouse,
} from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database, PartRequestsTable, StockTransfersTable } from '../schema.js';
import { crudRepository, DEFAULT_PAGE, MAX_PAGE, type Executor, type Page } from './crud.js';
import { serviceId } from './service-ids.js';
import { applyMovement, levelFromRow, mustMove, type MovementInput, type MovementKind, type StockLevel } from './parts-stock-ledger.js';
import { warehouseSpec } from './parts-warehouses.js';

export { applyMovement, type MovementInput, type MovementKind, type StockLevel } from './parts-stock-ledger.js';
export { warehouseSpec } from './parts-warehouses.js';

type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v);

function requestFromRow(r: Selectable<PartRequestsTable> & { part_number: string }): PartRequest {
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

function transferFromRow(r: Selectable<StockTransfersTable>): StockTransfer {
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

/** What the parts service decided for one request (see services/parts core/sourcing.ts). */
export type { SourcingPlan } from '@hourmeter/domain';

export interface PartReturnRecord {
  partId: string;
  quantity: number;
  condition: PartReturn['condition'];
  warehouseId: string;
  serialNumbers?: readonly string[] | undefined;
}

export interface PartRequestInput {
  workOrderId: string;
  partId: string;
  quantity: number;
  plan: SourcingPlan;
  at: number;
}

/** Work-order severity, most urgent first (no severity last): the order backorders are filled in. */
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, none: 4 };

// ---------------------------------------------------------------- repository

export interface PartFilters {
  assetModelId?: string | undefined;
  partNumber?: string | undefined;
}

export function partsRepository(db: Kysely<Database>) {
  const warehouses = crudRepository(db, warehouseSpec);

  async function write<R>(what: string, fn: (tx: Transaction<Database>) => Promise<R>): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      throw translateDbError(err, what);
    }
  }

  async function partFromRow(ex: Executor, r: Selectable<Database['parts']>): Promise<Part> {
    const fits = await ex.selectFrom('part_fits').select('asset_model_id').where('part_id', '=', r.id).orderBy('asset_model_id').execute();
    return {
      id: r.id,
      partNumber: r.part_number,
      description: r.description,
      unitCost: { amountMinor: num(r.unit_cost_minor), currency: r.currency },
      fitsAssetModelIds: fits.map((f) => f.asset_model_id),
      supersededBy: r.superseded_by ?? undefined,
      createdAt: num(r.created_at),
      updatedAt: num(r.updated_at),
    };
  }

  async function findPart(id: string, ex: Executor = db): Promise<Part | undefined> {
    const row = await ex.selectFrom('parts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? partFromRow(ex, row) : undefined;
  }
  async function getPart(id: string, ex: Executor = db): Promise<Part> {
    const p = await findPart(id, ex);
    if (!p) throw notFound('part', id);
    return p;
  }

  async function writeFits(tx: Executor, partId: string, modelIds: readonly string[]): Promise<void> {
    for (const modelId of new Set(modelIds)) {
      const found = await tx.selectFrom('asset_models').select('id').where('id', '=', modelId).executeTakeFirst();
      if (!found) {
        throw new AppError('REFERENCE_NOT_FOUND', `fitsAssetModelIds: asset model ${modelId} does not exist`, { field: 'fitsAssetModelIds', id: modelId });
      }
      await tx.insertInto('part_fits').values({ part_id: partId, asset_model_id: modelId }).execute();
    }
  }

  return {
    warehouses: {
      ...warehouses,
      /** Every location (a few hundred at most), for sourcing decisions. */
      async all(ex: Executor = db): Promise<Warehouse[]> {
        return (await ex.selectFrom('warehouses').selectAll().orderBy('id').execute()).map((r) => warehouseSpec.fromRow(r as unknown as Row));
      },
    },

    parts: {
      find: findPart,
      get: getPart,
      async findByNumber(partNumber: string, ex: Executor = db): Promise<Part | undefined> {
        const row = await ex.selectFrom('parts').selectAll().where('part_number', '=', partNumber).executeTakeFirst();
        return row ? partFromRow(ex, row) : undefined;
      },
      /** Every part number with the models it fits: the dictionary for "did you mean". */
      async index(): Promise<{ id: string; partNumber: string; fitsAssetModelIds: string[] }[]> {
        const rows = await db.selectFrom('parts').select(['id', 'part_number']).orderBy('part_number').execute();
        const fits = await db.selectFrom('part_fits').selectAll().execute();
        const byPart = new Map<string, string[]>();
        for (const f of fits) byPart.set(f.part_id, [...(byPart.get(f.part_id) ?? []), f.asset_model_id]);
        return rows.map((r) => ({ id: r.id, partNumber: r.part_number, fitsAssetModelIds: byPart.get(r.id) ?? [] }));
      },
      create(input: PartInput, now = Date.now()): Promise<Part> {
        return write('part', async (tx) => {
          const id = newId('part', now);
          await tx
            .insertInto('parts')
            .values({
              id,
              part_number: input.partNumber,
              description: input.description,
              unit_cost_minor: input.unitCost.amountMinor,
              currency: input.unitCost.currency,
              superseded_by: input.supersededBy ?? null,
              created_at: now,
              updated_at: now,
            })
            .execute();
          await writeFits(tx, id, input.fitsAssetModelIds);
          return getPart(id, tx);
        });
      },
      async list(opts: { limit?: number | undefined; cursor?: string | undefined; filters?: PartFilters | undefined } = {}): Promise<Page<Part>> {
        const limit = Math.min(Math.max(opts.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
        let q = db.selectFrom('parts').selectAll().orderBy('id').limit(limit + 1);
        if (opts.cursor) q = q.where('id', '>', opts.cursor);
        const f = opts.filters ?? {};
        if (f.partNumber) q = q.where('part_number', '=', f.partNumber);
        if (f.assetModelId) {
          const modelId = f.assetModelId;
          q = q.where('id', 'in', (eb) => eb.selectFrom('part_fits').select('part_id').where('asset_model_id', '=', modelId));
        }
        const rows = await q.execute();
        const items = await Promise.all(rows.slice(0, limit).map((r) => partFromRow(db, r)));
        return { items, nextCursor: rows.length > limit ? rows[limit - 1]!.id : null };
      },
      update(id: string, patch: Partial<PartInput>, now = Date.now()): Promise<Part> {
        return write('part', async (tx) => {
          const existing = await getPart(id, tx);
          const input = PartInput.parse({ ...existing, ...patch });
          await tx
            .updateTable('parts')
            .set({
              part_number: input.partNumber,
              description: input.description,
              unit_cost_minor: input.unitCost.amountMinor,
              currency: input.unitCost.currency,
              superseded_by: input.supersededBy ?? null,
              updated_at: now,
            })
            .where('id', '=', id)
            .execute();
          await tx.deleteFrom('part_fits').where('part_id', '=', id).execute();
          await writeFits(tx, id, input.fitsAssetModelIds);
          return getPart(id, tx);
        });
      },
      remove(id: string): Promise<void> {
        return write('part', async (tx) => {
          const res = await tx.deleteFrom('parts').where('id', '=', id).executeTakeFirst();
          if (Number(res.numDeletedRows) === 0) throw notFound('part', id);
        });
      },
    },

    stock: {
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
    },

    requests: {
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
    },

    returns: {
      /**
       * Records parts coming back from a completed order. An unused unit goes
       * back into stock (a `return` movement); a defective one is the replaced
       * unit. Never more back than was consumed (defective) or issued (unused).
       */
      record(workOrderId: string, r: PartReturnRecord, returnedBy: string, at: number): Promise<PartReturn> {
        return write('part return', async (tx) => {
          const wo = await tx.selectFrom('work_orders').select('state').where('id', '=', workOrderId).executeTakeFirst();
          if (!wo) throw notFound('work order', workOrderId);
          if (wo.state !== 'completed') throw new AppError('ILLEGAL_TRANSITION', `work order ${workOrderId} is ${wo.state}; parts come back from a completed order`);
          await assertExists(tx, r.warehouseId, r.partId);
          const part = await getPart(r.partId, tx);
          const consumed = await tx
            .selectFrom('work_order_parts_consumed')
            .select((eb) => eb.fn.sum<number>('quantity').as('q'))
            .where('work_order_id', '=', workOrderId)
            .where('part_id', '=', r.partId)
            .executeTakeFirst();
          const issued = await tx
            .selectFrom('stock_movements')
            .select((eb) => eb.fn.sum<number>('quantity').as('q'))
            .where('work_order_id', '=', workOrderId)
            .where('part_id', '=', r.partId)
            .where('kind', '=', 'issue')
            .executeTakeFirst();
          const back = await tx
            .selectFrom('part_returns')
            .select((eb) => eb.fn.sum<number>('quantity').as('q'))
            .where('work_order_id', '=', workOrderId)
            .where('part_id', '=', r.partId)
            .where('condition', '=', r.condition)
            .executeTakeFirst();
          // A part that never went out on this order cannot come back from it (issue 18): the
          // classic sign of a return booked against the wrong order, or of a part swapped in.
          if (num(consumed?.q ?? 0) === 0 && num(issued?.q ?? 0) === 0) {
            throw new AppError('PART_NOT_ISSUED', `partNumber: ${part.partNumber} was never issued on work order ${workOrderId} (not in its stock issues nor its consumed parts); a return needs the order it went out on`, {
              field: 'partNumber',
              workOrderId,
              partNumber: part.partNumber,
            });
          }
          const limit = num(r.condition === 'defective' ? (consumed?.q ?? 0) : (issued?.q ?? 0));
          const already = num(back?.q ?? 0);
          if (already + r.quantity > limit) {
            const what = r.condition === 'defective' ? 'replaced (consumed)' : 'issued';
            throw new AppError(
              'VALIDATION_FAILED',
              `quantity: ${part.partNumber} on work order ${workOrderId}: ${limit} ${what}, ${already} already returned ${r.condition}; ${r.quantity} more cannot come back`,
              { field: 'quantity' },
            );
          }
          if (r.condition === 'unused') await mustMove(tx, { warehouseId: r.warehouseId, partId: r.partId, kind: 'return', quantity: r.quantity, workOrderId, note: returnedBy, at });
          const id = serviceId('ret', at);
          await tx
            .insertInto('part_returns')
            .values({
              id,
              work_order_id: workOrderId,
              part_id: r.partId,
              quantity: r.quantity,
              condition: r.condition,
              warehouse_id: r.warehouseId,
              serial_numbers: r.serialNumbers?.length ? JSON.stringify(r.serialNumbers) : null,
              returned_by: returnedBy,
              returned_at: at,
            })
            .execute();
          return (await this.forWorkOrder(workOrderId, tx)).find((x) => x.id === id)!;
        });
      },
      async forWorkOrder(workOrderId: string, ex: Executor = db): Promise<PartReturn[]> {
        const rows = await ex
          .selectFrom('part_returns')
          .innerJoin('parts', 'parts.id', 'part_returns.part_id')
          .selectAll('part_returns')
          .select('parts.part_number')
          .where('work_order_id', '=', workOrderId)
          .orderBy('part_returns.id')
          .execute();
        return rows.map((r) => ({
          id: r.id,
          workOrderId: r.work_order_id,
          partId: r.part_id,
          partNumber: r.part_number,
          quantity: num(r.quantity),
          condition: r.condition as PartReturn['condition'],
          warehouseId: r.warehouse_id,
          ...(r.serial_numbers ? { serialNumbers: JSON.parse(r.serial_numbers) as string[] } : {}),
          returnedBy: r.returned_by,
          returnedAt: num(r.returned_at),
        }));
      },
    },

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

    transfers: {
      async list(filters: { state?: string | undefined; toWarehouseId?: string | undefined } = {}): Promise<StockTransfer[]> {
        let q = db.selectFrom('stock_transfers').selectAll().orderBy('id');
        if (filters.state) q = q.where('state', '=', filters.state);
        if (filters.toWarehouseId) q = q.where('to_warehouse_id', '=', filters.toWarehouseId);
        return (await q.execute()).map(transferFromRow);
      },
      async get(id: string, ex: Executor = db): Promise<StockTransfer> {
        const r = await ex.selectFrom('stock_transfers').selectAll().where('id', '=', id).executeTakeFirst();
        if (!r) throw notFound('transfer', id);
        return transferFromRow(r);
      },
      /** A planner's stock move between locations: reserves at the source now. */
      request(partId: string, fromWarehouseId: string, toWarehouseId: string, quantity: number, at = Date.now()): Promise<StockTransfer> {
        return write('transfer', async (tx) => {
          await assertExists(tx, fromWarehouseId, partId);
          await assertExists(tx, toWarehouseId, partId);
          if (fromWarehouseId === toWarehouseId) throw new AppError('VALIDATION_FAILED', 'toWarehouseId: must differ from fromWarehouseId', { field: 'toWarehouseId' });
          const id = serviceId('trf', at);
          await mustMove(tx, { warehouseId: fromWarehouseId, partId, kind: 'reservation', quantity, transferId: id, at });
          await tx
            .insertInto('stock_transfers')
            .values({ id, part_id: partId, quantity, from_warehouse_id: fromWarehouseId, to_warehouse_id: toWarehouseId, part_request_id: null, state: 'requested', created_at: at, updated_at: at })
            .execute();
          return this.get(id, tx);
        });
      },
      /** requested -> shipped: the units leave the source (transfer_out of the reserved units). */
      ship(id: string, at = Date.now()): Promise<StockTransfer> {
        return write('transfer', async (tx) => {
          const t = await this.get(id, tx);
          if (t.state !== 'requested' || !t.fromWarehouseId) {
            throw new AppError('ILLEGAL_TRANSITION', `transfer ${id} is ${t.state}; only a requested transfer with a source can ship`);
          }
          await mustMove(tx, { warehouseId: t.fromWarehouseId, partId: t.partId, kind: 'transfer_out', quantity: t.quantity, transferId: id, at });
          await tx.updateTable('stock_transfers').set({ state: 'shipped', updated_at: at }).where('id', '=', id).where('state', '=', 'requested').execute();
          return this.get(id, tx);
        });
      },
      /**
       * shipped -> received: transfer_in at the destination; when the transfer
       * serves a work order's request, the units are reserved for it there.
       */
      receive(id: string, at = Date.now()): Promise<StockTransfer> {
        return write('transfer', async (tx) => {
          const t = await this.get(id, tx);
          if (t.state !== 'shipped') throw new AppError('ILLEGAL_TRANSITION', `transfer ${id} is ${t.state}; only a shipped transfer can be received`);
          await mustMove(tx, { warehouseId: t.toWarehouseId, partId: t.partId, kind: 'transfer_in', quantity: t.quantity, transferId: id, at });
          if (t.partRequestId) {
            const req = await tx.selectFrom('part_requests').selectAll().where('id', '=', t.partRequestId).executeTakeFirst();
            if (req && req.state === 'in_transfer') {
              await mustMove(tx, { warehouseId: t.toWarehouseId, partId: t.partId, kind: 'reservation', quantity: t.quantity, workOrderId: req.work_order_id, transferId: id, at });
              await tx.updateTable('part_requests').set({ state: 'reserved', warehouse_id: t.toWarehouseId, updated_at: at }).where('id', '=', req.id).execute();
            }
          }
          await tx.updateTable('stock_transfers').set({ state: 'received', updated_at: at }).where('id', '=', id).execute();
          return this.get(id, tx);
        });
      },
    },
  };
}

async function assertExists(tx: Executor, warehouseId: string, partId: string): Promise<void> {
  const w = await tx.selectFrom('warehouses').select('id').where('id', '=', warehouseId).executeTakeFirst();
  if (!w) throw new AppError('REFERENCE_NOT_FOUND', `warehouseId: warehouse ${warehouseId} does not exist`, { field: 'warehouseId', id: warehouseId });
  const p = await tx.selectFrom('parts').select('id').where('id', '=', partId).executeTakeFirst();
  if (!p) throw new AppError('REFERENCE_NOT_FOUND', `partId: part ${partId} does not exist`, { field: 'partId', id: partId });
}

export type PartsRepository = ReturnType<typeof partsRepository>;
