import { usageKey, type BilledUsage, type ChargedLine, type ContractWithHistory, type DraftContext, type DraftResult, type ExtraWorkRates, type NewInvoiceLine, type PbhTermsInput, type UsageDay } from '@hourmeter/domain';
import { billingPeriodFor, daysBetween, type Period } from './calendar.js';
import { basisPoints, formatMinor, halfEven, hoursToMs, HOUR_MS, priceOfMs, roundDiv } from './money.js';
import { availability, isPbh, rateOn, versionOn, type AssetLife, type Availability } from './terms.js';
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
  /** Downtime of the assets from the oldest issued period (adjustments recompute those) to the period's end. */
  downtime: readonly DowntimeEvent[];
  work: readonly BillableWork[];
  /** When each asset was commissioned: downtime before it does not count. */
  assetLife?: AssetLife | undefined;
  /** The contract's time zone (its site's): availability and its credit follow this clock. */
  timeZone?: string | undefined;
  /** Whether the contract's customer owned the asset on the day (after an owner change its usage is not this contract's). */
  owned?: ((assetId: string, day: string) => boolean) | undefined;
}

/** The whole billing period an issued (possibly clipped) period belongs to. */
function fullPeriodOf(p: Period, c: ContractWithHistory): Period {
  return billingPeriodFor(p.end.slice(0, 7), c.billingPeriod) ?? p;
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

type Owned = (assetId: string, day: string) => boolean;

/** What one period's PBH charge is made of (lines of its own invoice, or the basis of its adjustments). */
interface PeriodCharge {
  usageLines: NewInvoiceLine[];
  /** Usage amount and metered time per asset (the sum of its usage lines). */
  byAsset: Map<string, { amount: number; ms: number }>;
  trueUp: NewInvoiceLine | undefined;
  credit: NewInvoiceLine | undefined;
  availability: Availability;
  /** The days priced, for `invoice_usage`. */
  days: UsageDay[];
}

/**
 * A period's whole PBH charge under its terms: usage per asset and rate (a
 * period crossing an anniversary splits by day at the two rates), minimum
 * true-up at the rate of the period's last day, availability credit (a
 * percentage of usage + true-up, capped).
 */
function pbhCharge(contract: ContractWithHistory, period: Period, fullPeriod: Period, usageDays: readonly UsageDay[], downtime: readonly DowntimeEvent[], life: AssetLife, owned: Owned, zone: string): PeriodCharge {
  const termsOn = (day: string) => versionOn(contract, day);
  const priced: { assetId: string; day: string; ms: number; rate: number; year: number }[] = [];
  const days: UsageDay[] = [];
  for (const u of usageDays) {
    if (u.day < period.start || u.day > period.end) continue;
    const v = termsOn(u.day);
    if (!v.assetIds.includes(u.assetId) || !isPbh(v.terms) || !owned(u.assetId, u.day)) continue;
    const { rate, year } = rateOn(v.terms, contract.startsOn, u.day);
    priced.push({ assetId: u.assetId, day: u.day, ms: u.operatingMs, rate, year });
    days.push(u);
  }
  const usageLines: NewInvoiceLine[] = [];
  const byAsset = new Map<string, { amount: number; ms: number }>();
  let charge = 0;
  let totalMs = 0;
  for (const s of segments(priced)) {
    const amount = priceOfMs(s.ms, s.rate);
    charge += amount;
    totalMs += s.ms;
    const a = byAsset.get(s.assetId) ?? { amount: 0, ms: 0 };
    byAsset.set(s.assetId, { amount: a.amount + amount, ms: a.ms + s.ms });
    usageLines.push({
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
  // Minimum true-up, prorated by covered days for a partial period.
  const activeDays = BigInt(daysBetween(period.start, period.end));
  const fullDays = BigInt(daysBetween(fullPeriod.start, fullPeriod.end));
  const minimumMs = Number(halfEven(hoursToMs(terms.minimumHoursPerPeriod ?? 0) * activeDays, fullDays));
  let trueUp: NewInvoiceLine | undefined;
  if (totalMs < minimumMs) {
    const { rate } = rateOn(terms, contract.startsOn, period.end);
    const shortfall = minimumMs - totalMs;
    const amount = priceOfMs(shortfall, rate);
    charge += amount;
    trueUp = {
      kind: 'minimum_true_up',
      description: `Minimum billable hours ${hours(minimumMs)} h, metered ${hours(totalMs)} h: true-up of ${hours(shortfall)} h at ${formatMinor(rate)} ${contract.currency}/h`,
      assetId: null,
      workOrderId: null,
      fromDay: period.start,
      toDay: period.end,
      quantity: hours(shortfall),
      unitPriceMinor: rate,
      amountMinor: amount,
    };
  }

  const avail = availability(terms, endVersion.assetIds, period, fullPeriod, downtime, life, zone);
  let credit: NewInvoiceLine | undefined;
  if (avail.creditPercent > 0 && charge > 0) {
    credit = {
      kind: 'availability_credit',
      description: `Availability ${avail.availabilityPercent}% against ${avail.guaranteePercent}% guaranteed: ${avail.creditSteps} step(s), credit ${avail.creditPercent}% of ${formatMinor(charge)} ${contract.currency}`,
      assetId: null,
      workOrderId: null,
      fromDay: period.start,
      toDay: period.end,
      quantity: avail.creditPercent,
      unitPriceMinor: 0,
      amountMinor: -roundDiv(BigInt(charge) * BigInt(Math.round(avail.creditPercent * 100)), 10_000n),
    };
  }
  return { usageLines, byAsset, trueUp, credit, availability: avail, days };
}

/** What earlier invoices billed for an issued period, per part of its charge (its own lines plus adjustments). */
function billedFor(p: Period, lines: readonly ChargedLine[], issued: readonly Period[]) {
  const usage = new Map<string, number>();
  let trueUp = 0;
  let credit = 0;
  for (const l of lines) {
    let kind: string;
    if (l.kind === 'adjustment') {
      // Adjustments written before they named their period and part were usage of the issued period of their first day.
      const target = l.adjustsPeriod ?? issued.find((q) => q.start <= l.fromDay! && l.fromDay! <= q.end)?.start;
      if (target !== p.start) continue;
      kind = l.adjustsKind ?? 'usage';
    } else {
      if (l.periodStart !== p.start) continue;
      kind = l.kind;
    }
    if (kind === 'usage') usage.set(l.assetId ?? '', (usage.get(l.assetId ?? '') ?? 0) + l.amountMinor);
    else if (kind === 'minimum_true_up') trueUp += l.amountMinor;
    else if (kind === 'availability_credit') credit += l.amountMinor;
  }
  return { usage, trueUp, credit };
}

/**
 * The lines of one contract's invoice for one period (pure; the repository
 * runs it inside the invoice's transaction). Every line is rounded on its own,
 * half-even, to minor units; the total is the exact sum of the lines.
 *
 * PBH: the period's charge (see `pbhCharge`), then adjustments for each issued
 * earlier period: its whole charge is recomputed under its terms from today's
 * usage and downtime, and the difference to what was billed for it so far
 * (its invoice and earlier adjustments) is billed per part: usage per asset,
 * minimum true-up, availability credit. Extra work for excluded downtime
 * causes. T&M: labour, travel and parts of work no contract or warranty covers.
 */
export function computeInvoice(input: InvoiceInput, ctx: DraftContext): DraftResult & { availability?: Availability } {
  const { contract, period } = input;
  const lines: NewInvoiceLine[] = [];
  const usage: BilledUsage[] = [];
  let result: DraftResult & { availability?: Availability } = { lines, usage };
  const life = input.assetLife ?? new Map();
  const owned: Owned = input.owned ?? (() => true);
  const zone = input.timeZone ?? 'UTC';

  if (contract.kind === 'pbh') {
    const own = pbhCharge(contract, period, input.fullPeriod, ctx.usage, input.downtime, life, owned, zone);
    lines.push(...own.usageLines);
    if (own.trueUp) lines.push(own.trueUp);
    if (own.credit) lines.push(own.credit);
    for (const u of own.days) usage.push({ assetId: u.assetId, day: u.day, billedMs: u.operatingMs, usageVersion: u.version });
    result = { lines, usage, availability: own.availability };

    // -------- adjustments: issued earlier periods whose usage or downtime changed after they were invoiced
    const issued = ctx.issuedPeriods.filter((p) => p.end < period.start);
    for (const p of issued) {
      const now = pbhCharge(contract, p, fullPeriodOf(p, contract), ctx.usage, input.downtime, life, owned, zone);
      const was = billedFor(p, ctx.chargedLines, ctx.issuedPeriods);
      const adjust = (line: Omit<NewInvoiceLine, 'kind' | 'workOrderId' | 'adjustsPeriod'>, kind: 'usage' | 'minimum_true_up' | 'availability_credit') =>
        lines.push({ ...line, kind: 'adjustment', workOrderId: null, adjustsPeriod: p.start, adjustsKind: kind });

      // Usage: the time each asset was billed for (invoice_usage) against the meter today, per day.
      const msDelta = new Map<string, number>();
      const current = new Map(now.days.map((u) => [usageKey(u.assetId, u.day), u]));
      const keys = new Set([...current.keys()]);
      for (const k of ctx.billed.keys()) {
        const day = k.slice(k.indexOf('|') + 1);
        if (p.start <= day && day <= p.end) keys.add(k);
      }
      for (const k of keys) {
        const [assetId, day] = k.split('|') as [string, string];
        const delta = (current.get(k)?.operatingMs ?? 0) - (ctx.billed.get(k) ?? 0);
        if (delta === 0) continue;
        usage.push({ assetId, day, billedMs: delta, usageVersion: current.get(k)?.version ?? 0 });
        msDelta.set(assetId, (msDelta.get(assetId) ?? 0) + delta);
      }
      const assets = [...new Set([...now.byAsset.keys(), ...was.usage.keys(), ...msDelta.keys()])].sort();
      for (const assetId of assets) {
        const amount = (now.byAsset.get(assetId)?.amount ?? 0) - (was.usage.get(assetId) ?? 0);
        const ms = msDelta.get(assetId) ?? 0;
        if (amount === 0 && ms === 0) continue;
        const { rate } = rateOn(versionOn(contract, p.end).terms as PbhTermsInput, contract.startsOn, p.end);
        adjust(
          {
            description: `Usage adjustment of ${assetId}, ${p.start} to ${p.end} (metered after invoicing): ${ms > 0 ? '+' : ''}${hours(ms)} h`,
            assetId,
            fromDay: p.start,
            toDay: p.end,
            quantity: hours(ms),
            unitPriceMinor: rate,
            amountMinor: amount,
          },
          'usage',
        );
      }
      const trueUp = (now.trueUp?.amountMinor ?? 0) - was.trueUp;
      if (trueUp !== 0) {
        adjust(
          {
            description: `Minimum true-up adjustment, ${p.start} to ${p.end}: ${now.trueUp ? now.trueUp.description : 'metered hours now reach the minimum'}`,
            assetId: null,
            fromDay: p.start,
            toDay: p.end,
            quantity: now.trueUp?.quantity ?? 0,
            unitPriceMinor: now.trueUp?.unitPriceMinor ?? 0,
            amountMinor: trueUp,
          },
          'minimum_true_up',
        );
      }
      const credit = (now.credit?.amountMinor ?? 0) - was.credit;
      if (credit !== 0) {
        const a = now.availability;
        adjust(
          {
            description: `Availability credit adjustment, ${p.start} to ${p.end} (usage or downtime corrected after invoicing): availability now ${a.availabilityPercent}%, credit ${a.creditPercent}%`,
            assetId: null,
            fromDay: p.start,
            toDay: p.end,
            quantity: a.creditPercent,
            unitPriceMinor: 0,
            amountMinor: credit,
          },
          'availability_credit',
        );
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
