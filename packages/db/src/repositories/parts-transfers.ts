import type { StockTransfer } from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Executor } from './crud.js';
import { assertExists, partsWriter, transferFromRow } from './parts-rows.js';
import { mustMove } from './parts-stock-ledger.js';
import { serviceId } from './service-ids.js';

/** Planners' stock transfers between locations: requested, shipped, received. */
export function stockTransfersRepository(db: Kysely<Database>) {
  const write = partsWriter(db);
  return {
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
  };
}
