import type { MovementInput, Repositories, StockLevel } from '@hourmeter/db';
import type { Part, PartRequest, StockTransfer, Warehouse } from '@hourmeter/domain';
import { AppError, type Logger } from '@hourmeter/runtime';
import { closestPartNumbers } from './core/edit-distance.js';
import { planSourcing, replenishmentSuggestions, type ReplenishmentSuggestion } from './core/sourcing.js';

export type PartsRepos = Pick<Repositories, 'spareParts' | 'workOrders' | 'assets' | 'sites' | 'assetModels'>;

export interface PartsServiceDeps {
  repos: PartsRepos;
  logger: Logger;
  clock?: (() => number) | undefined;
}

export interface FitCheck {
  fits: boolean;
  part?: Part | undefined;
  /** Closest part numbers (edit distance) that do fit the asset's model. */
  suggestions: string[];
  reason?: string | undefined;
}

const MAX_ATTEMPTS = 5;

export function createPartsService(deps: PartsServiceDeps) {
  const repo = deps.repos.spareParts;
  const now = deps.clock ?? Date.now;
  const log = deps.logger.child({ svc: 'parts' });

  const allWarehouses = (): Promise<Warehouse[]> => repo.warehouses.all();

  /**
   * Catches a wrong part at request time (docs/domain.md, "Spare parts": one wrong
   * letter can leave a customer without a machine for weeks): unknown numbers and parts that do not
   * fit the asset's model are answered with the closest numbers that do fit.
   * A superseded part is replaced by its successor when that fits.
   */
  async function checkFit(assetModelId: string, partNumber: string): Promise<FitCheck> {
    const index = await repo.parts.index();
    const fitting = index.filter((p) => p.fitsAssetModelIds.includes(assetModelId)).map((p) => p.partNumber);
    const suggest = () => closestPartNumbers(partNumber, fitting.filter((n) => n !== partNumber)).map((s) => s.partNumber);
    let part = await repo.parts.findByNumber(partNumber);
    if (!part) return { fits: false, suggestions: suggest(), reason: `part number ${partNumber} does not exist` };
    for (let hops = 0; part.supersededBy && hops < 5; hops++) {
      const next = await repo.parts.findByNumber(part.supersededBy);
      if (!next) break;
      part = next;
    }
    if (!part.fitsAssetModelIds.includes(assetModelId)) {
      return { fits: false, part, suggestions: suggest(), reason: `part ${part.partNumber} does not fit asset model ${assetModelId}` };
    }
    return { fits: true, part, suggestions: [] };
  }

  function didYouMean(s: string[]): string {
    return s.length ? `; parts that fit this asset, closest first: ${s.join(', ')}` : '; no part in the catalogue fitting this asset is close to it';
  }

  return {
    checkFit,

    async checkFitForAsset(assetId: string, partNumber: string): Promise<FitCheck> {
      const asset = await deps.repos.assets.get(assetId);
      return checkFit(asset.assetModelId, partNumber);
    },

    /**
     * Reserves a part for a work order from the nearest station that has it,
     * else requests a transfer from the next level up, else backorders it.
     * A concurrent reservation that took the planned units makes it re-plan on
     * fresh levels (bounded); stock never goes negative.
     */
    async reserveForWorkOrder(req: { workOrderId: string; partNumber: string; quantity: number }): Promise<PartRequest> {
      const wo = await deps.repos.workOrders.get(req.workOrderId);
      if (wo.state === 'completed' || wo.state === 'cancelled') {
        throw new AppError('ILLEGAL_TRANSITION', `work order ${wo.id} is ${wo.state}; parts can only be requested for an active order`);
      }
      const asset = await deps.repos.assets.get(wo.assetId);
      const fit = await checkFit(asset.assetModelId, req.partNumber);
      if (!fit.part) throw new AppError('REFERENCE_NOT_FOUND', `partNumber: ${fit.reason}${didYouMean(fit.suggestions)}`, { field: 'partNumber', suggestions: fit.suggestions });
      if (!fit.fits) throw new AppError('VALIDATION_FAILED', `partNumber: ${fit.reason}${didYouMean(fit.suggestions)}`, { field: 'partNumber', suggestions: fit.suggestions });
      const part = fit.part;
      const site = await deps.repos.sites.get(asset.siteId);
      const warehouses = await allWarehouses();
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const levels = await repo.stock.levels({ partId: part.id });
        const available = new Map(levels.map((l) => [l.warehouseId, l.available]));
        const plan = planSourcing(site.location, warehouses, available, req.quantity);
        const created = await repo.requests.create({ workOrderId: wo.id, partId: part.id, quantity: req.quantity, plan, at: now() });
        if (created) {
          log.info({ workOrderId: wo.id, partNumber: part.partNumber, plan: plan.kind }, 'part requested');
          return created;
        }
      }
      throw new AppError('CONFLICT', `stock of ${part.partNumber} kept changing under ${MAX_ATTEMPTS} attempts to reserve it; retry`);
    },

    /**
     * Stock of a part arrived somewhere (receipt, transfer received,
     * adjustment, release): its backordered requests are sourced again, most
     * urgent order first, each on fresh levels. A request that still cannot be
     * served stays backordered; smaller ones after it may fit. Each request
     * keeps its first sourcing, so fill rate counts it once.
     */
    async stockArrived(partId: string): Promise<PartRequest[]> {
      const filled: PartRequest[] = [];
      const waiting = await repo.requests.waiting(partId);
      if (!waiting.length) return filled;
      const warehouses = await allWarehouses();
      const sites = new Map<string, Awaited<ReturnType<typeof deps.repos.sites.get>>>();
      for (const req of waiting) {
        const asset = await deps.repos.assets.get(req.assetId);
        const site = sites.get(asset.siteId) ?? (await deps.repos.sites.get(asset.siteId));
        sites.set(asset.siteId, site);
        for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
          const levels = await repo.stock.levels({ partId });
          const plan = planSourcing(site.location, warehouses, new Map(levels.map((l) => [l.warehouseId, l.available])), req.quantity);
          if (plan.kind === 'backorder') break;
          const done = await repo.requests.resource(req.id, plan, now());
          if (done) {
            log.info({ workOrderId: req.workOrderId, requestId: req.id, plan: plan.kind }, 'backorder sourced again');
            filled.push(done);
            break;
          }
          // Raced: taken by another request or re-sourced meanwhile; a fresh look decides.
          const fresh = (await repo.requests.forWorkOrder(req.workOrderId)).find((r) => r.id === req.id);
          if (fresh?.state !== 'backordered') break;
        }
      }
      return filled;
    },

    /** Records a ledger movement; stock that arrives sources waiting backorders again. */
    async move(m: MovementInput): Promise<StockLevel> {
      await repo.stock.move(m);
      if (m.kind === 'receipt' || m.kind === 'release' || (m.kind === 'adjustment' && m.quantity > 0)) await this.stockArrived(m.partId);
      return repo.stock.level(m.warehouseId, m.partId);
    },

    /** Receives a shipped transfer; what it brings beyond its own request serves waiting backorders. */
    async receiveTransfer(id: string): Promise<StockTransfer> {
      const t = await repo.transfers.receive(id, now());
      await this.stockArrived(t.partId);
      return t;
    },

    async replenishment(): Promise<ReplenishmentSuggestion[]> {
      const warehouses = await allWarehouses();
      const levels: StockLevel[] = await repo.stock.levels();
      return replenishmentSuggestions(levels, new Map(warehouses.map((w) => [w.id, w.parentId])));
    },
  };
}

export type PartsService = ReturnType<typeof createPartsService>;
