import type { Warehouse } from '@hourmeter/domain';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { crudRepository, type Executor } from './crud.js';
import { partCatalogueRepository } from './parts-catalogue.js';
import { partReconciliationRepository } from './parts-reconciliation.js';
import { partRequestsRepository } from './parts-requests.js';
import { partReturnsRepository } from './parts-returns.js';
import { type Row } from './parts-rows.js';
import { stockRepository } from './parts-stock.js';
import { stockTransfersRepository } from './parts-transfers.js';
import { warehouseSpec } from './parts-warehouses.js';

export { applyMovement, type MovementInput, type MovementKind, type StockLevel } from './parts-stock-ledger.js';
export { warehouseSpec } from './parts-warehouses.js';
export { issueUnreserved, settlePartRequests, whereStockIs, type UnreservedUse } from './parts-settlement.js';
export type { PartFilters } from './parts-catalogue.js';
export type { PartRequestInput } from './parts-requests.js';
export type { PartReturnRecord } from './parts-returns.js';

/** What the parts service decided for one request (see services/parts core/sourcing.ts). */
export type { SourcingPlan } from '@hourmeter/domain';

/**
 * Warehouses, parts, stock, part requests, returns and transfers: one file
 * per part (parts-warehouses, parts-catalogue, parts-stock, parts-requests,
 * parts-returns, parts-reconciliation, parts-transfers; the ledger in
 * parts-stock-ledger, a work order's settlement in parts-settlement), one
 * repository for callers. The stock rules are in @hourmeter/domain.
 */
export function partsRepository(db: Kysely<Database>) {
  const warehouses = crudRepository(db, warehouseSpec);
  const parts = partCatalogueRepository(db);
  return {
    warehouses: {
      ...warehouses,
      /** Every location (a few hundred at most), for sourcing decisions. */
      async all(ex: Executor = db): Promise<Warehouse[]> {
        return (await ex.selectFrom('warehouses').selectAll().orderBy('id').execute()).map((r) => warehouseSpec.fromRow(r as unknown as Row));
      },
    },
    parts,
    stock: stockRepository(db),
    requests: partRequestsRepository(db),
    returns: partReturnsRepository(db, parts.get),
    ...partReconciliationRepository(db),
    transfers: stockTransfersRepository(db),
  };
}

export type PartsRepository = ReturnType<typeof partsRepository>;
