import type { BillingRepository, ContractRepository, Repositories } from '@hourmeter/db';
import { dayMs } from './core/calendar.js';
import { DAY_MS } from './core/money.js';
import type { ServiceCostSource } from './ports.js';

export type PnlGroup = 'contract' | 'customer' | 'assetModel';

export interface PnlRow {
  key: string;
  currency: string;
  revenue: { pbhMinor: number; timeAndMaterialsMinor: number; partsMinor: number; creditNotesMinor: number; totalMinor: number };
  cost: { partsMinor: number; labourMinor: number; travelMinor: number; totalMinor: number };
  marginMinor: number;
}

const emptyRow = (key: string, currency: string): PnlRow => ({
  key,
  currency,
  revenue: { pbhMinor: 0, timeAndMaterialsMinor: 0, partsMinor: 0, creditNotesMinor: 0, totalMinor: 0 },
  cost: { partsMinor: 0, labourMinor: 0, travelMinor: 0, totalMinor: 0 },
  marginMinor: 0,
});

const PBH_KINDS = new Set(['usage', 'minimum_true_up', 'availability_credit', 'adjustment']);

/**
 * Service P&L: revenue from issued invoices (by invoice period; credit notes
 * subtract) against cost from the work-order side (by completion time).
 * Revenue is attributed to an asset (and so its model) where the line names one;
 * contract-level lines (true-up, credit) go to the contract's first asset's model.
 * Costs go to the contract covering the asset when the work was done, and to the
 * asset's customer (via its site) and model. Rows are per currency.
 */
export function serviceReports(deps: { repos: Pick<Repositories, 'assets' | 'sites'>; contracts: ContractRepository; billing: BillingRepository; costs: ServiceCostSource }) {
  const assetCache = new Map<string, { modelId: string; customerId: string; commissionedOn: string }>();
  async function assetInfo(id: string) {
    let a = assetCache.get(id);
    if (!a) {
      const asset = await deps.repos.assets.get(id);
      const site = await deps.repos.sites.get(asset.siteId);
      a = { modelId: asset.assetModelId, customerId: site.customerId, commissionedOn: asset.commissionedOn };
      assetCache.set(id, a);
    }
    return a;
  }

  return {
    async pnl(groupBy: PnlGroup, from: string, to: string): Promise<PnlRow[]> {
      const rows = new Map<string, PnlRow>();
      const row = (key: string, currency: string) => {
        const k = `${key}|${currency}`;
        let r = rows.get(k);
        if (!r) rows.set(k, (r = emptyRow(key, currency)));
        return r;
      };
      const { lines, creditNotes } = await deps.billing.revenueLines({ from, to });
      const firstAsset = new Map<string, string>();
      for (const l of lines) {
        let key: string;
        if (groupBy === 'contract') key = l.contractId;
        else if (groupBy === 'customer') key = l.customerId;
        else {
          let assetId = l.assetId;
          if (!assetId) {
            assetId = firstAsset.get(l.contractId) ?? (await deps.contracts.get(l.contractId)).versions[0]!.assetIds[0]!;
            firstAsset.set(l.contractId, assetId);
          }
          key = (await assetInfo(assetId)).modelId;
        }
        const r = row(key, l.currency);
        if (PBH_KINDS.has(l.kind)) r.revenue.pbhMinor += l.amountMinor;
        else if (l.kind === 'parts') r.revenue.partsMinor += l.amountMinor;
        else r.revenue.timeAndMaterialsMinor += l.amountMinor;
      }
      for (const c of creditNotes) {
        const key = groupBy === 'contract' ? c.contractId : groupBy === 'customer' ? c.customerId : undefined;
        if (!key) {
          const assetId = firstAsset.get(c.contractId) ?? (await deps.contracts.get(c.contractId)).versions[0]!.assetIds[0]!;
          row((await assetInfo(assetId)).modelId, c.currency).revenue.creditNotesMinor -= c.amountMinor;
        } else row(key, c.currency).revenue.creditNotesMinor -= c.amountMinor;
      }
      for (const cost of await deps.costs.costs('all', dayMs(from), dayMs(to) + DAY_MS)) {
        let key: string | undefined;
        if (groupBy === 'contract') {
          const day = new Date(cost.at).toISOString().slice(0, 10);
          const covering = await deps.contracts.covering(cost.assetId, day);
          key = (covering.find((c) => c.kind === 'pbh') ?? covering[0])?.contractId ?? 'uncovered';
        } else {
          const info = await assetInfo(cost.assetId);
          key = groupBy === 'customer' ? info.customerId : info.modelId;
        }
        const r = row(key, cost.currency);
        r.cost.partsMinor += cost.partsCostMinor;
        r.cost.labourMinor += cost.labourCostMinor;
        r.cost.travelMinor += cost.travelCostMinor;
      }
      for (const r of rows.values()) {
        r.revenue.totalMinor = r.revenue.pbhMinor + r.revenue.timeAndMaterialsMinor + r.revenue.partsMinor + r.revenue.creditNotesMinor;
        r.cost.totalMinor = r.cost.partsMinor + r.cost.labourMinor + r.cost.travelMinor;
        r.marginMinor = r.revenue.totalMinor - r.cost.totalMinor;
      }
      return [...rows.values()].sort((a, b) => a.key.localeCompare(b.key) || a.currency.localeCompare(b.currency));
    },

    /** Whole-life service cost of one asset since commissioning (per currency), with its work orders. */
    async wholeLifeCost(assetId: string, through = Date.now()) {
      const info = await assetInfo(assetId);
      const costs = await deps.costs.costs([assetId], dayMs(info.commissionedOn), through);
      const totals = new Map<string, number>();
      for (const c of costs) totals.set(c.currency, (totals.get(c.currency) ?? 0) + c.partsCostMinor + c.labourCostMinor + c.travelCostMinor);
      return {
        assetId,
        commissionedOn: info.commissionedOn,
        totals: [...totals].map(([currency, totalMinor]) => ({ currency, totalMinor })),
        workOrders: costs,
      };
    },
  };
}
