import type { BilledUsage, DraftContext, DraftResult, NewInvoiceLine } from '@hourmeter/db';
import { usageKey } from '@hourmeter/db';
import type { ContractWithHistory, ExtraWorkRates, PbhTermsInput } from '@hourmeter/domain';
import { daysBetween, type Period } from './calendar.js';
import { basisPoints, formatMinor, halfEven, hoursToMs, HOUR_MS, priceOfMs, roundDiv } from './money.js';
import { availability, isPbh, rateOn, versionOn, type Availability } from './terms.js';
import type { CompletedWork, DowntimeEvent } from '../ports.js';

/** A work order to bill, with what is chargeable decided by the caller (coverage look-ups). */
export interface BillableWork {
  work: CompletedWork;
  rates: ExtraWorkRates;
  billLabour: boolean;
  billParts: boolean;
  /** Why it is billed: shown on the line. */
  because: string;
}

export interface InvoiceInput {
  contract: ContractWithHistory;
  /** The billing period clipped to the contract's term. */
  period: Period;
  /** The whole billing period (for prorating minimum and scheduled hours). */
  fullPeriod: Period;
  downtime: readonly DowntimeEvent[];
  work: readonly BillableWork[];
}

const hours = (ms: number) => Math.round((ms / HOUR_MS) * 1000) / 1000;

interface Segment {
  assetId: string;
  rate: number;
  year: number;
  fromDay: string;
  toDay: string;
  ms: number;
}

/** Sums (asset, day, ms) into one segment per asset and rate, in day order. */
function segments(days: { assetId: string; day: string; ms: number; rate: number; year: number }[]): Segment[] {
  const out = new Map<string, Segment>();
  for (const d of [...days].sort((a, b) => a.assetId.localeCompare(b.assetId) || a.day.localeCompare(b.day))) {
    const k = `${d.assetId}|${d.rate}`;
    const s = out.get(k);
    if (s) {
      s.ms += d.ms;
      s.toDay = d.day;
    } else out.set(k, { assetId: d.assetId, rate: d.rate, year: d.year, fromDay: d.day, toDay: d.day, ms: d.ms });
  }
  return [...out.values()];
}

/**
 * The lines of one contract's invoice for one period (pure; the repository
 * runs it inside the invoice's transaction). Every line is rounded on its own,
 * half-even, to minor units; the total is the exact sum of the lines.
 *
 * PBH: usage per asset and rate (a period crossing an anniversary splits by
 * day at the two rates), minimum true-up at the rate of the period's last day,
 * availability credit (a percentage of usage + true-up), adjustments for usage
 * of issued periods that changed since (priced at the rate of their own day),
 * extra work for excluded downtime causes. T&M: labour, travel and parts of
 * work no contract or warranty covers.
 */
export function computeInvoice(input: InvoiceInput, ctx: DraftContext): DraftResult & { availability?: Availability } {
  const { contract, period } = input;
  const lines: NewInvoiceLine[] = [];
  const usage: BilledUsage[] = [];
  let result: DraftResult & { availability?: Availability } = { lines, usage };

  if (contract.kind === 'pbh') {
    const termsOn = (day: string) => versionOn(contract, day);
    // -------- usage of the period
    const periodDays: { assetId: string; day: string; ms: number; rate: number; year: number }[] = [];
    for (const u of ctx.usage) {
      if (u.day < period.start || u.day > period.end) continue;
      const v = termsOn(u.day);
      if (!v.assetIds.includes(u.assetId) || !isPbh(v.terms)) continue;
      const { rate, year } = rateOn(v.terms, contract.startsOn, u.day);
      periodDays.push({ assetId: u.assetId, day: u.day, ms: u.operatingMs, rate, year });
      usage.push({ assetId: u.assetId, day: u.day, billedMs: u.operatingMs, usageVersion: u.version });
    }
    let charge = 0;
    let totalMs = 0;
    for (const s of segments(periodDays)) {
      const amount = priceOfMs(s.ms, s.rate);
      charge += amount;
      totalMs += s.ms;
      lines.push({
        kind: 'usage',
        description: `Operating hours of ${s.assetId}, ${s.fromDay} to ${s.toDay}, at ${formatMinor(s.rate)} ${contract.currency}/h (contract year ${s.year + 1})`,
        assetId: s.assetId,
        workOrderId: null,
        fromDay: s.fromDay,
        toDay: s.toDay,
        quantity: hours(s.ms),
        unitPriceMinor: s.rate,
        amountMinor: amount,
      });
    }

    const endVersion = termsOn(period.end);
    const terms = endVersion.terms as PbhTermsInput;
    // -------- minimum true-up (prorated by covered days for a partial period)
    const activeDays = BigInt(daysBetween(period.start, period.end));
    const fullDays = BigInt(daysBetween(input.fullPeriod.start, input.fullPeriod.end));
    const minimumMs = Number(halfEven(hoursToMs(terms.minimumHoursPerPeriod ?? 0) * activeDays, fullDays));
    if (totalMs < minimumMs) {
      const { rate } = rateOn(terms, contract.startsOn, period.end);
      const shortfall = minimumMs - totalMs;
      const amount = priceOfMs(shortfall, rate);
      charge += amount;
      lines.push({
        kind: 'minimum_true_up',
        description: `Minimum billable hours ${hours(minimumMs)} h, metered ${hours(totalMs)} h: true-up of ${hours(shortfall)} h at ${formatMinor(rate)} ${contract.currency}/h`,
        assetId: null,
        workOrderId: null,
        fromDay: period.start,
        toDay: period.end,
        quantity: hours(shortfall),
        unitPriceMinor: rate,
        amountMinor: amount,
      });
    }

    // -------- availability credit
    const avail = availability(terms, endVersion.assetIds, period, input.fullPeriod, input.downtime);
    result = { lines, usage, availability: avail };
    if (avail.creditPercent > 0 && charge > 0) {
      const amount = -roundDiv(BigInt(charge) * BigInt(Math.round(avail.creditPercent * 100)), 10_000n);
      lines.push({
        kind: 'availability_credit',
        description: `Availability ${avail.availabilityPercent}% against ${avail.guaranteePercent}% guaranteed: ${avail.creditSteps} step(s), credit ${avail.creditPercent}% of ${formatMinor(charge)} ${contract.currency}`,
        assetId: null,
        workOrderId: null,
        fromDay: period.start,
        toDay: period.end,
        quantity: avail.creditPercent,
        unitPriceMinor: 0,
        amountMinor: amount,
      });
    }

    // -------- adjustments: usage of issued periods that changed after they were invoiced
    const inIssued = (day: string) => day < period.start && ctx.issuedPeriods.some((p) => p.start <= day && day <= p.end);
    const current = new Map<string, { ms: number; version: number }>();
    for (const u of ctx.usage) if (inIssued(u.day)) current.set(usageKey(u.assetId, u.day), { ms: u.operatingMs, version: u.version });
    const keys = new Set<string>([...current.keys()]);
    for (const k of ctx.billed.keys()) if (inIssued(k.slice(k.indexOf('|') + 1))) keys.add(k);
    const deltas: { assetId: string; day: string; ms: number; rate: number; year: number }[] = [];
    for (const k of keys) {
      const [assetId, day] = k.split('|') as [string, string];
      const now = current.get(k);
      const delta = (now?.ms ?? 0) - (ctx.billed.get(k) ?? 0);
      if (delta === 0) continue;
      const v = termsOn(day);
      if (!isPbh(v.terms) || (!v.assetIds.includes(assetId) && !ctx.billed.has(k))) continue;
      const { rate, year } = rateOn(v.terms, contract.startsOn, day);
      deltas.push({ assetId, day, ms: delta, rate, year });
      usage.push({ assetId, day, billedMs: delta, usageVersion: now?.version ?? 0 });
    }
    // Increases and decreases are separate lines (one per asset and rate each), so each is readable.
    for (const sign of [1, -1]) {
      for (const s of segments(deltas.filter((d) => Math.sign(d.ms) === sign))) {
        lines.push({
          kind: 'adjustment',
          description: `Usage adjustment of ${s.assetId}, ${s.fromDay} to ${s.toDay} (metered after invoicing): ${sign > 0 ? '+' : ''}${hours(s.ms)} h at ${formatMinor(s.rate)} ${contract.currency}/h`,
          assetId: s.assetId,
          workOrderId: null,
          fromDay: s.fromDay,
          toDay: s.toDay,
          quantity: hours(s.ms),
          unitPriceMinor: s.rate,
          amountMinor: priceOfMs(s.ms, s.rate),
        });
      }
    }
  }

  // -------- work billed to the customer (T&M contracts; excluded-cause work under PBH)
  for (const w of input.work) {
    if (ctx.billedWorkOrders.has(w.work.workOrderId)) continue;
    const wo = w.work.workOrderId;
    const day = new Date(w.work.completedAt).toISOString().slice(0, 10);
    if (w.billLabour && w.work.labourHours > 0) {
      const ms = hoursToMs(w.work.labourHours);
      lines.push({
        kind: 'time_and_materials',
        description: `Labour, work order ${wo} on ${w.work.assetId} (${w.because})`,
        assetId: w.work.assetId,
        workOrderId: wo,
        fromDay: day,
        toDay: day,
        quantity: w.work.labourHours,
        unitPriceMinor: w.rates.labourRatePerHourMinor,
        amountMinor: priceOfMs(ms, w.rates.labourRatePerHourMinor),
      });
    }
    if (w.billLabour && w.work.travelHours > 0) {
      const ms = hoursToMs(w.work.travelHours);
      lines.push({
        kind: 'travel',
        description: `Travel, work order ${wo}`,
        assetId: w.work.assetId,
        workOrderId: wo,
        fromDay: day,
        toDay: day,
        quantity: w.work.travelHours,
        unitPriceMinor: w.rates.travelRatePerHourMinor,
        amountMinor: priceOfMs(ms, w.rates.travelRatePerHourMinor),
      });
    }
    if (w.billParts) {
      const markup = 10_000n + basisPoints(w.rates.partsMarkupPercent);
      for (const p of w.work.parts) {
        // Unit price rounded half-even once; the line is quantity x unit price exactly.
        const unit = roundDiv(BigInt(p.unitCostMinor) * markup, 10_000n);
        lines.push({
          kind: 'parts',
          description: `Part ${p.partNumber}, work order ${wo} (cost ${formatMinor(p.unitCostMinor)} + ${w.rates.partsMarkupPercent}%)`,
          assetId: w.work.assetId,
          workOrderId: wo,
          fromDay: day,
          toDay: day,
          quantity: p.quantity,
          unitPriceMinor: unit,
          amountMinor: unit * p.quantity,
        });
      }
    }
  }
  return result;
}
