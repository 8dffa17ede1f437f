import type { BillingRepository, ContractRepository, Repositories } from '@hourmeter/db';
import type { ContractWithHistory } from '@hourmeter/domain';
import { dayMs, maxDay } from './core/calendar.js';
import { versionOn } from './core/terms.js';
import { DAY_MS } from './core/money.js';
import type { ServiceCostSource } from './ports.js';

export type PnlGroup = 'contract' | 'customer' | 'assetModel' | 'asset';

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
 * Splits `amount` across keys in proportion to their weights, exactly: each
 * share is rounded down, and the minor units left go one each to the largest
 * remainders (ties: key order), so the shares always sum to the amount. With
 * no weight at all it splits equally.
 */
export function allocate(amount: number, weights: ReadonlyMap<string, number>): Map<string, number> {
  const keys = [...weights.keys()].sort();
  const out = new Map<string, number>();
  if (keys.length === 0) return out;
  const total = keys.reduce((s, k) => s + BigInt(weights.get(k)!), 0n);
  const w = (k: string) => (total > 0n ? BigInt(weights.get(k)!) : 1n);
  const sum = total > 0n ? total : BigInt(keys.length);
  const sign = amount < 0 ? -1n : 1n;
  const abs = BigInt(Math.abs(amount));
  const parts = keys.map((k) => ({ k, q: (abs * w(k)) / sum, r: (abs * w(k)) % sum }));
  let left = abs - parts.reduce((s, p) => s + p.q, 0n);
  for (const p of [...parts].sort((a, b) => (a.r === b.r ? a.k.localeCompare(b.k) : a.r > b.r ? -1 : 1))) {
    if (left === 0n) break;
    p.q += 1n;
    left -= 1n;
  }
  for (const p of parts) out.set(p.k, Number(sign * p.q));
  return out;
}

/**
 * Service P&L: revenue from issued invoices (by invoice period; credit notes
 * subtract) against cost from the work-order side (by completion time).
 * Revenue is attributed to the asset a line names (and so its model).
 * Contract-level lines (minimum true-up, availability credit, their
 * adjustments, credit notes) are allocated across the contract's assets in
 * proportion to the hours each metered under the contract over the line's days
 * (a credit note: its invoice's period), exactly to the minor unit (`allocate`);
 * equally when none metered. Costs go to the contract covering the asset when
 * the work was done, and to the asset, its customer (via its site) and model.
 * Rows are per currency.
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
      const contractCache = new Map<string, Promise<ContractWithHistory>>();
      const contractOf = (id: string) => {
        let c = contractCache.get(id);
        if (!c) contractCache.set(id, (c = deps.contracts.get(id)));
        return c;
      };
      /** Operating time each asset metered under the contract over the days (the allocation weights). */
      const weightCache = new Map<string, Promise<Map<string, number>>>();
      const weights = (contractId: string, fromDay: string, toDay: string) => {
        const k = `${contractId}|${fromDay}|${toDay}`;
        let w = weightCache.get(k);
        if (!w) {
          w = (async () => {
            const c = await contractOf(contractId);
            const assets = [...new Set(c.versions.flatMap((v) => v.assetIds))];
            const out = new Map<string, number>();
            for (const a of assets) if (versionOn(c, maxDay(fromDay, c.startsOn)).assetIds.includes(a) || versionOn(c, toDay).assetIds.includes(a)) out.set(a, 0);
            for (const u of await deps.billing.usage(assets, fromDay, toDay)) {
              if (versionOn(c, u.day).assetIds.includes(u.assetId)) out.set(u.assetId, (out.get(u.assetId) ?? 0) + u.operatingMs);
            }
            return out;
          })();
          weightCache.set(k, w);
        }
        return w;
      };
      /** Where an amount of a contract goes in this grouping: one key, or shares per asset. */
      const keysOf = async (contractId: string, customerId: string, assetId: string | null, fromDay: string, toDay: string, amount: number): Promise<[string, number][]> => {
        if (groupBy === 'contract') return [[contractId, amount]];
        if (groupBy === 'customer') return [[customerId, amount]];
        const shares = assetId ? new Map([[assetId, amount]]) : allocate(amount, await weights(contractId, fromDay, toDay));
        const out: [string, number][] = [];
        for (const [a, share] of shares) out.push([groupBy === 'asset' ? a : (await assetInfo(a)).modelId, share]);
        return out;
      };
      for (const l of lines) {
        for (const [key, amount] of await keysOf(l.contractId, l.customerId, l.assetId, l.fromDay, l.toDay, l.amountMinor)) {
          const r = row(key, l.currency);
          if (PBH_KINDS.has(l.kind)) r.revenue.pbhMinor += amount;
          else if (l.kind === 'parts') r.revenue.partsMinor += amount;
          else r.revenue.timeAndMaterialsMinor += amount;
        }
      }
      for (const c of creditNotes) {
        for (const [key, amount] of await keysOf(c.contractId, c.customerId, null, c.periodStart, c.periodEnd, c.amountMinor)) {
          row(key, c.currency).revenue.creditNotesMinor -= amount;
        }
      }
      for (const cost of await deps.costs.costs('all', dayMs(from), dayMs(to) + DAY_MS)) {
        let key: string | undefined;
        if (groupBy === 'contract') {
          const day = new Date(cost.at).toISOString().slice(0, 10);
          const covering = await deps.contracts.covering(cost.assetId, day);
          key = (covering.find((c) => c.kind === 'pbh') ?? covering[0])?.contractId ?? 'uncovered';
        } else {
          const info = await assetInfo(cost.assetId);
          key = groupBy === 'customer' ? info.customerId : groupBy === 'asset' ? cost.assetId : info.modelId;
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
