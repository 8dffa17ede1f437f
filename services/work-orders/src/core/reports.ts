/**
 * Service KPIs as pure functions over rows the repositories load, so each can
 * be checked against a hand-computed fixture. Rates are 0..1 rounded to 4
 * decimals; money stays in integer minor units with its currency.
 */
import type { WorkOrder } from '@hourmeter/domain';
import { reserveState } from './reserves.js';

const HOUR_MS = 3_600_000;
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
const r2 = (x: number) => Math.round(x * 100) / 100;
const rate = (num: number, den: number) => (den > 0 ? r4(num / den) : null);

export interface CompletionFact {
  workOrderId: string;
  kind: WorkOrder['kind'];
  assetModelId: string;
  failureAt: number;
  completedAt: number;
  fixedOnFirstVisit: boolean;
  /** Fixed on the first visit and not repeated within the window (derived, see WorkOrderCompletion). */
  firstTimeFix: boolean;
  downtimeFrom: number;
  downtimeTo: number;
  responsibleDepartment: string;
  causeCode: string;
  chargedTo: string;
  productionBatchId?: string | undefined;
  totalCost: { amountMinor: number; currency: string };
}

export interface WorkOrderFact {
  id: string;
  kind: WorkOrder['kind'];
  state: WorkOrder['state'];
  assetId: string;
  assetModelId: string;
  failureMode?: string | undefined;
  repeatOfId?: string | undefined;
  severity?: string | undefined;
  slaDueAt?: number | undefined;
  createdAt: number;
}

export interface Period {
  from: number;
  to: number;
}
const inPeriod = (t: number, p: Period) => t >= p.from && t < p.to;

// ---------------------------------------------------------------- first-time fix, repeat failures

/**
 * Share of orders completed in the period that were first-time fixes: fixed on
 * the first visit as recorded, and not followed by a repeat failure within the
 * asset model's window (a repeat recorded later turns the order into a miss).
 */
export function firstTimeFixRate(completions: readonly CompletionFact[], p: Period) {
  const done = completions.filter((c) => inPeriod(c.completedAt, p));
  const fixed = done.filter((c) => c.firstTimeFix).length;
  const repeated = done.filter((c) => c.fixedOnFirstVisit && !c.firstTimeFix).length;
  return { completed: done.length, fixedOnFirstVisit: fixed, repeatedAfterFix: repeated, rate: rate(fixed, done.length) };
}

/** Share of corrective orders opened in the period that repeat a completed order (same asset and failure mode, within the window). */
export function repeatFailureRate(orders: readonly WorkOrderFact[], p: Period) {
  const corrective = orders.filter((o) => o.kind === 'corrective' && inPeriod(o.createdAt, p));
  const repeats = corrective.filter((o) => o.repeatOfId).length;
  return { correctiveOrders: corrective.length, repeatFailures: repeats, rate: rate(repeats, corrective.length) };
}

// ---------------------------------------------------------------- MTBF / MTTR

/**
 * Per asset model: MTBF = operating hours of the model's assets in the period
 * (hour meter) / corrective failures in the period; MTTR = mean downtime of
 * those repairs. Null, never 0, where undefined: MTBF without failures or
 * without metered hours (no hour meter data is not "fails at once"), MTTR
 * without failures; operating hours null where nothing was metered.
 */
export function mtbfMttr(completions: readonly CompletionFact[], operatingMsByModel: ReadonlyMap<string, number>, p: Period) {
  const failures = completions.filter((c) => c.kind === 'corrective' && inPeriod(c.failureAt, p));
  const models = new Set([...operatingMsByModel.keys(), ...failures.map((f) => f.assetModelId)]);
  return [...models].sort().map((assetModelId) => {
    const mine = failures.filter((f) => f.assetModelId === assetModelId);
    const metered = operatingMsByModel.get(assetModelId);
    const operatingHours = metered === undefined ? null : metered / HOUR_MS;
    const downtime = mine.reduce((s, f) => s + (f.downtimeTo - f.downtimeFrom), 0) / HOUR_MS;
    return {
      assetModelId,
      failures: mine.length,
      operatingHours: operatingHours === null ? null : r2(operatingHours),
      mtbfHours: mine.length && operatingHours ? r2(operatingHours / mine.length) : null,
      mttrHours: mine.length ? r2(downtime / mine.length) : null,
    };
  });
}

// ---------------------------------------------------------------- top failing parts

export interface ConsumedFact {
  workOrderId: string;
  partNumber: string;
  quantity: number;
  unitCostMinor: number;
  currency: string;
}

/**
 * Parts replaced by corrective and preventive orders completed in the period
 * (inspections and installations excluded), ranked by units, then cost, then part number.
 */
export function topFailingParts(consumed: readonly ConsumedFact[], completions: readonly CompletionFact[], p: Period, limit = 10) {
  // Parts fitted on an installation are new equipment, not failures.
  const counted = new Set(completions.filter((c) => c.kind !== 'inspection' && c.kind !== 'installation' && inPeriod(c.completedAt, p)).map((c) => c.workOrderId));
  const byPart = new Map<string, { partNumber: string; count: number; orders: Set<string>; costMinor: number; currency: string }>();
  for (const c of consumed) {
    if (!counted.has(c.workOrderId)) continue;
    const e = byPart.get(c.partNumber) ?? { partNumber: c.partNumber, count: 0, orders: new Set<string>(), costMinor: 0, currency: c.currency };
    e.count += c.quantity;
    e.orders.add(c.workOrderId);
    e.costMinor += c.quantity * c.unitCostMinor;
    byPart.set(c.partNumber, e);
  }
  return [...byPart.values()]
    .sort((a, b) => b.count - a.count || b.costMinor - a.costMinor || a.partNumber.localeCompare(b.partNumber))
    .slice(0, limit)
    .map((e, i) => ({ rank: i + 1, partNumber: e.partNumber, count: e.count, orders: e.orders.size, costMinor: e.costMinor, currency: e.currency }));
}

// ---------------------------------------------------------------- hazard report

/** Calendar month (UTC) of an instant: `2026-03`. */
export const monthOf = (t: number) => new Date(t).toISOString().slice(0, 7);

/**
 * Causes and cost by responsible department per month of completion: one row
 * per (month, department, cause code), most costly first within a month.
 */
export function hazardReport(completions: readonly CompletionFact[], p: Period) {
  const rows = new Map<string, { period: string; department: string; causeCode: string; orders: number; costMinor: number; currency: string }>();
  for (const c of completions) {
    if (!inPeriod(c.completedAt, p)) continue;
    const period = monthOf(c.completedAt);
    const key = `${period}|${c.responsibleDepartment}|${c.causeCode}|${c.totalCost.currency}`;
    const r = rows.get(key) ?? { period, department: c.responsibleDepartment, causeCode: c.causeCode, orders: 0, costMinor: 0, currency: c.totalCost.currency };
    r.orders++;
    r.costMinor += c.totalCost.amountMinor;
    rows.set(key, r);
  }
  const list = [...rows.values()].sort(
    (a, b) => a.period.localeCompare(b.period) || b.costMinor - a.costMinor || a.department.localeCompare(b.department) || a.causeCode.localeCompare(b.causeCode),
  );
  const byDepartment = new Map<string, { department: string; orders: number; costMinor: number }>();
  for (const r of list) {
    const d = byDepartment.get(r.department) ?? { department: r.department, orders: 0, costMinor: 0 };
    d.orders += r.orders;
    d.costMinor += r.costMinor;
    byDepartment.set(r.department, d);
  }
  return { rows: list, totals: [...byDepartment.values()].sort((a, b) => b.costMinor - a.costMinor || a.department.localeCompare(b.department)) };
}

// ---------------------------------------------------------------- warranty per batch

export interface BatchReserveFact {
  productionBatchId: string;
  code: string;
  assetModelId: string;
  currency: string;
  reserveMinor: number;
  consumedMinor: number;
  orders: number;
  warrantyEndsOn: string;
  events: readonly { kind: string; amountMinor: number }[];
}

/**
 * Each batch's quality reserve, what warranty repairs charged to it consumed
 * (all time), what remains, and its state: ok, warning (80 %), exhausted
 * (100 %), overdrawn (more charged than reserved) or released (warranty over,
 * the remainder paid out as production's quality bonus).
 */
export function warrantyByBatch(batches: readonly BatchReserveFact[]) {
  return batches.map((b) => {
    const bonus = b.events.find((e) => e.kind === 'bonus_released');
    return {
      productionBatchId: b.productionBatchId,
      code: b.code,
      assetModelId: b.assetModelId,
      currency: b.currency,
      reserveMinor: b.reserveMinor,
      consumedMinor: b.consumedMinor,
      remainingMinor: b.reserveMinor - b.consumedMinor,
      orders: b.orders,
      consumedShare: rate(b.consumedMinor, b.reserveMinor),
      warrantyEndsOn: b.warrantyEndsOn,
      state: reserveState({ ...b, released: bonus !== undefined }),
      bonusReleasedMinor: bonus ? bonus.amountMinor : null,
    };
  });
}

// ---------------------------------------------------------------- parts: fill rate, stock-outs, turnover

/**
 * Fill rate: part requests served at once from stock at a station; stock-out
 * rate: requests no location in the chain could serve (backordered).
 */
export function fillAndStockOut(requests: readonly { sourcing: 'direct' | 'transfer' | 'backorder'; requestedAt: number }[], p: Period) {
  const mine = requests.filter((r) => inPeriod(r.requestedAt, p));
  const direct = mine.filter((r) => r.sourcing === 'direct').length;
  const transfer = mine.filter((r) => r.sourcing === 'transfer').length;
  const backorder = mine.filter((r) => r.sourcing === 'backorder').length;
  return { requests: mine.length, servedFromStock: direct, servedByTransfer: transfer, stockOuts: backorder, fillRate: rate(direct, mine.length), stockOutRate: rate(backorder, mine.length) };
}

export interface MovementFact {
  warehouseId: string;
  partId: string;
  kind: string;
  quantity: number;
  at: number;
}

const ON_HAND_DELTA: Record<string, number> = { receipt: 1, transfer_in: 1, adjustment: 1, return: 1, issue: -1, transfer_out: -1, reservation: 0, release: 0 };

/**
 * Inventory turnover per location = cost of units issued in the period /
 * average inventory value ((value at start + value at end) / 2), where the
 * on-hand quantities at both ends are rolled back from the current levels
 * through the ledger. `movements` must hold every movement since `p.from`.
 */
export function inventoryTurnover(
  currentOnHand: readonly { warehouseId: string; partId: string; onHand: number }[],
  movements: readonly MovementFact[],
  unitCostMinor: ReadonlyMap<string, number>,
  p: Period,
) {
  const atEnd = new Map<string, number>();
  const atStart = new Map<string, number>();
  const key = (w: string, part: string) => `${w}|${part}`;
  for (const l of currentOnHand) {
    atEnd.set(key(l.warehouseId, l.partId), l.onHand);
    atStart.set(key(l.warehouseId, l.partId), l.onHand);
  }
  const issued = new Map<string, number>();
  for (const m of movements) {
    const d = (ON_HAND_DELTA[m.kind] ?? 0) * m.quantity;
    const k = key(m.warehouseId, m.partId);
    if (m.at >= p.to) atEnd.set(k, (atEnd.get(k) ?? 0) - d);
    if (m.at >= p.from) atStart.set(k, (atStart.get(k) ?? 0) - d);
    if (m.kind === 'issue' && inPeriod(m.at, p)) issued.set(m.warehouseId, (issued.get(m.warehouseId) ?? 0) + m.quantity * (unitCostMinor.get(m.partId) ?? 0));
  }
  const value = (map: Map<string, number>, w: string) => {
    let v = 0;
    for (const [k, q] of map) {
      const [wh, part] = k.split('|') as [string, string];
      if (wh === w) v += q * (unitCostMinor.get(part) ?? 0);
    }
    return v;
  };
  const locations = [...new Set([...atEnd.keys()].map((k) => k.split('|')[0]!))].sort();
  return locations.map((warehouseId) => {
    const startValueMinor = value(atStart, warehouseId);
    const endValueMinor = value(atEnd, warehouseId);
    const averageValueMinor = (startValueMinor + endValueMinor) / 2;
    const issuedCostMinor = issued.get(warehouseId) ?? 0;
    return { warehouseId, issuedCostMinor, startValueMinor, endValueMinor, turnover: averageValueMinor > 0 ? r4(issuedCostMinor / averageValueMinor) : null };
  });
}

// ---------------------------------------------------------------- backlog

/** Hours before the SLA due time when an order counts as at risk. */
export const AT_RISK_HOURS = 24;

export function slaStatus(slaDueAt: number | undefined, now: number): 'no_sla' | 'on_track' | 'at_risk' | 'breached' {
  if (slaDueAt === undefined) return 'no_sla';
  if (now > slaDueAt) return 'breached';
  return slaDueAt - now <= AT_RISK_HOURS * HOUR_MS ? 'at_risk' : 'on_track';
}

/** Active orders (open, scheduled, in progress) with age and SLA status, most urgent SLA first. */
export function backlog(orders: readonly WorkOrderFact[], now: number) {
  const rank = { breached: 0, at_risk: 1, on_track: 2, no_sla: 3 } as const;
  const rows = orders
    .filter((o) => o.state === 'open' || o.state === 'scheduled' || o.state === 'in_progress')
    .map((o) => ({
      workOrderId: o.id,
      kind: o.kind,
      state: o.state,
      assetId: o.assetId,
      ageHours: r2((now - o.createdAt) / HOUR_MS),
      slaDueAt: o.slaDueAt ?? null,
      slaStatus: slaStatus(o.slaDueAt, now),
    }))
    .sort((a, b) => rank[a.slaStatus] - rank[b.slaStatus] || (a.slaDueAt ?? Infinity) - (b.slaDueAt ?? Infinity) || a.workOrderId.localeCompare(b.workOrderId));
  const summary = { total: rows.length, breached: 0, at_risk: 0, on_track: 0, no_sla: 0 };
  for (const r of rows) summary[r.slaStatus]++;
  return { rows, summary };
}

// ---------------------------------------------------------------- parts reconciliation

export interface ReconciliationData {
  consumed: readonly { workOrderId: string; partId: string; partNumber: string; quantity: number }[];
  movements: readonly { workOrderId: string; partId: string; partNumber: string; kind: 'issue' | 'return'; quantity: number; warehouseCode: string }[];
  returns: readonly { workOrderId: string; partId: string; partNumber: string; condition: 'unused' | 'defective'; quantity: number }[];
}

/**
 * One row per work order and part: consumed (on the completion) against
 * issued and returned unused (ledger) and returned defective (the replaced
 * units). `stockDifference` = issued - returned unused - consumed must be 0
 * (stock follows use); `notReturned` = consumed - returned defective is what
 * the technician still owes back (DOMAIN.md: a part "used" that never comes
 * back is a red line). Rows that need a look come first.
 */
export function partsReconciliation(d: ReconciliationData) {
  const rows = new Map<
    string,
    { workOrderId: string; partNumber: string; consumed: number; issued: number; returnedUnused: number; returnedDefective: number; issuedFrom: Set<string> }
  >();
  const row = (workOrderId: string, partId: string, partNumber: string) => {
    const key = `${workOrderId}|${partId}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { workOrderId, partNumber, consumed: 0, issued: 0, returnedUnused: 0, returnedDefective: 0, issuedFrom: new Set() }));
    return r;
  };
  for (const c of d.consumed) row(c.workOrderId, c.partId, c.partNumber).consumed += c.quantity;
  for (const m of d.movements) {
    const r = row(m.workOrderId, m.partId, m.partNumber);
    if (m.kind === 'issue') {
      r.issued += m.quantity;
      r.issuedFrom.add(m.warehouseCode);
    } else r.returnedUnused += m.quantity;
  }
  for (const x of d.returns) if (x.condition === 'defective') row(x.workOrderId, x.partId, x.partNumber).returnedDefective += x.quantity;
  const rank = { stock_mismatch: 0, return_missing: 1, ok: 2 } as const;
  return [...rows.values()]
    .map((r) => {
      const stockDifference = r.issued - r.returnedUnused - r.consumed;
      const notReturned = Math.max(0, r.consumed - r.returnedUnused - r.returnedDefective);
      const status: keyof typeof rank = stockDifference !== 0 ? 'stock_mismatch' : notReturned > 0 ? 'return_missing' : 'ok';
      return {
        workOrderId: r.workOrderId,
        partNumber: r.partNumber,
        consumed: r.consumed,
        issued: r.issued,
        issuedFrom: [...r.issuedFrom].sort().join(' '),
        returnedUnused: r.returnedUnused,
        returnedDefective: r.returnedDefective,
        stockDifference,
        notReturned,
        status,
      };
    })
    .sort((a, b) => rank[a.status] - rank[b.status] || a.workOrderId.localeCompare(b.workOrderId) || a.partNumber.localeCompare(b.partNumber));
}
