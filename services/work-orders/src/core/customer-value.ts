/**
 * The customer value index computed from data (issue #19, item 3; docs/domain.md,
 * "Service as a business"), beside the typed-in index of value-index.ts that it
 * replaces where data exists. Per customer over a trailing 12 months:
 *
 * | component     | from                                             | scores 1 when                    | direction          |
 * |---------------|--------------------------------------------------|----------------------------------|--------------------|
 * | revenue       | issued invoices net of credit notes              | >= revenueReferenceMinor (log)   | more is better     |
 * | promptness    | payments (receivables' paymentPromptness)        | everything paid by its due date  | more is better     |
 * | costToServe   | work-order completion costs / revenue            | no cost                          | less is better     |
 * | repeats       | corrective orders flagged repeat / orders        | no repeat failure                | less is better     |
 * | availability  | PBH contracts' availability vs their guarantee   | at or above the guarantee        | more is better     |
 * | complaints    | service requests of kind complaint               | none                             | less is better     |
 * | satisfaction  | NPS answers: (NPS + 100) / 200                   | every answer a promoter          | more is better     |
 *
 * A component without data (no PBH contract, no NPS answer, no complaints table)
 * is left out and the weights of the others are renormalised: missing data
 * neither rewards nor punishes a customer.
 */

export interface Availability {
  measuredPercent: number;
  guaranteePercent: number;
}

export type Complaints = { available: true; count: number } | { available: false; reason: string };

/** One calendar month (UTC) of a customer's facts. */
export interface MonthFacts {
  month: string;
  revenueMinor: number;
  costToServeMinor: number;
  /** Work orders completed in the month. */
  workOrders: number;
  /** Of the work orders opened in the month, those flagged as a repeat failure. */
  repeatFailures: number;
  /** On-time payment share as of the month's end. */
  promptness: number;
  /** Mean over the customer's PBH contracts; null without one. */
  availability: Availability | null;
  nps: { promoters: number; passives: number; detractors: number };
  complaints: Complaints;
}

export interface ValueWeights {
  revenue: number;
  promptness: number;
  costToServe: number;
  repeats: number;
  availability: number;
  complaints: number;
  satisfaction: number;
}

export interface DataValueIndexConfig {
  weights: ValueWeights;
  /** Yearly revenue (minor units) that scores 1; log scale below it. */
  revenueReferenceMinor: number;
  /** Percentage points below the guarantee at which availability scores 0. */
  availabilityShortfallZeroPoints: number;
  /** Complaints in 12 months at which the complaints component scores 0. */
  complaintsZeroCount: number;
  /** Index at or above which a customer is class A, resp. B; below B is C. */
  classes: { a: number; b: number };
  churn: {
    /** Revenue of the last 3 months below (1 - this) x the 3 before: falling. */
    revenueDropShare: number;
    /** Share of NPS detractors (with at least `minNpsResponses` answers) that flags. */
    detractorShare: number;
    minNpsResponses: number;
    /** On-time payment share below this flags late payment. */
    promptnessBelow: number;
  };
}

export const DEFAULT_DATA_VALUE_INDEX: DataValueIndexConfig = {
  weights: { revenue: 0.3, promptness: 0.15, costToServe: 0.15, repeats: 0.1, availability: 0.1, complaints: 0.1, satisfaction: 0.1 },
  revenueReferenceMinor: 10_000_000_00,
  availabilityShortfallZeroPoints: 5,
  complaintsZeroCount: 10,
  classes: { a: 70, b: 40 },
  churn: { revenueDropShare: 0.25, detractorShare: 0.3, minNpsResponses: 2, promptnessBelow: 0.8 },
};

export type ComponentName = keyof ValueWeights;
export type ValueClass = 'A' | 'B' | 'C';

/** The aggregate the index is scored on (12 months summed, or one month annualised). */
export interface ValueTotals {
  yearlyRevenueMinor: number;
  costToServeMinor: number;
  workOrders: number;
  repeatFailures: number;
  promptness: number;
  availability: Availability | null;
  nps: { promoters: number; passives: number; detractors: number };
  complaints: Complaints;
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** Each component 0..1, or null where there is no data for it. */
export function dataValueComponents(t: ValueTotals, cfg: DataValueIndexConfig = DEFAULT_DATA_VALUE_INDEX): Record<ComponentName, number | null> {
  const answers = t.nps.promoters + t.nps.passives + t.nps.detractors;
  const revenue = Math.max(0, t.yearlyRevenueMinor);
  return {
    revenue: round4(clamp01(Math.log1p(revenue) / Math.log1p(cfg.revenueReferenceMinor))),
    promptness: round4(clamp01(t.promptness)),
    costToServe: round4(revenue > 0 ? clamp01(1 - t.costToServeMinor / revenue) : t.costToServeMinor > 0 ? 0 : 1),
    repeats: t.workOrders > 0 || t.repeatFailures > 0 ? round4(clamp01(1 - t.repeatFailures / Math.max(t.workOrders, t.repeatFailures))) : null,
    availability: t.availability
      ? round4(clamp01(1 - Math.max(0, t.availability.guaranteePercent - t.availability.measuredPercent) / cfg.availabilityShortfallZeroPoints))
      : null,
    complaints: t.complaints.available ? round4(clamp01(1 - t.complaints.count / cfg.complaintsZeroCount)) : null,
    satisfaction: answers > 0 ? round4(clamp01((t.nps.promoters - t.nps.detractors) / answers / 2 + 0.5)) : null,
  };
}

/** 0..100: the weighted mean of the components that have data. */
export function dataValueIndex(components: Record<ComponentName, number | null>, cfg: DataValueIndexConfig = DEFAULT_DATA_VALUE_INDEX): number {
  let sum = 0;
  let total = 0;
  for (const name of Object.keys(cfg.weights) as ComponentName[]) {
    const c = components[name];
    const w = cfg.weights[name];
    if (c === null || !(w > 0)) continue;
    sum += w * c;
    total += w;
  }
  return total > 0 ? Math.round((sum / total) * 10_000) / 100 : 0;
}

export function valueClass(index: number, cfg: DataValueIndexConfig = DEFAULT_DATA_VALUE_INDEX): ValueClass {
  return index >= cfg.classes.a ? 'A' : index >= cfg.classes.b ? 'B' : 'C';
}

/** The trailing months summed (promptness as of the last month, availability averaged where measured). */
export function totalsOf(months: readonly MonthFacts[], annualise = 1): ValueTotals {
  const last = months.at(-1);
  const measured = months.flatMap((m) => (m.availability ? [m.availability] : []));
  const complaintsAvailable = months.every((m) => m.complaints.available);
  return {
    yearlyRevenueMinor: months.reduce((s, m) => s + m.revenueMinor, 0) * annualise,
    costToServeMinor: months.reduce((s, m) => s + m.costToServeMinor, 0) * annualise,
    workOrders: months.reduce((s, m) => s + m.workOrders, 0),
    repeatFailures: months.reduce((s, m) => s + m.repeatFailures, 0),
    promptness: last?.promptness ?? 1,
    availability: measured.length
      ? {
          measuredPercent: measured.reduce((s, a) => s + a.measuredPercent, 0) / measured.length,
          guaranteePercent: measured.reduce((s, a) => s + a.guaranteePercent, 0) / measured.length,
        }
      : null,
    nps: {
      promoters: months.reduce((s, m) => s + m.nps.promoters, 0),
      passives: months.reduce((s, m) => s + m.nps.passives, 0),
      detractors: months.reduce((s, m) => s + m.nps.detractors, 0),
    },
    complaints: complaintsAvailable
      ? { available: true, count: months.reduce((s, m) => s + (m.complaints.available ? m.complaints.count : 0), 0) }
      : (months.find((m) => !m.complaints.available)?.complaints ?? { available: true, count: 0 }),
  };
}

export interface ChurnReason {
  code: 'revenue_falling' | 'nps_detractors' | 'availability_below_guarantee' | 'late_payments';
  message: string;
}

/** Why a customer may leave, from its months (oldest first); empty when nothing flags. */
export function churnReasons(months: readonly MonthFacts[], cfg: DataValueIndexConfig = DEFAULT_DATA_VALUE_INDEX): ChurnReason[] {
  const reasons: ChurnReason[] = [];
  const recent = months.slice(-3);
  const before = months.slice(-6, -3);
  const sum = (ms: readonly MonthFacts[]) => ms.reduce((s, m) => s + m.revenueMinor, 0);
  const recentRevenue = sum(recent);
  const beforeRevenue = sum(before);
  if (beforeRevenue > 0 && recentRevenue < (1 - cfg.churn.revenueDropShare) * beforeRevenue) {
    reasons.push({ code: 'revenue_falling', message: `revenue of the last 3 months is ${Math.round((1 - recentRevenue / beforeRevenue) * 100)}% below the 3 before` });
  }
  const t = totalsOf(months);
  const answers = t.nps.promoters + t.nps.passives + t.nps.detractors;
  if (answers >= cfg.churn.minNpsResponses && t.nps.detractors / answers >= cfg.churn.detractorShare) {
    reasons.push({ code: 'nps_detractors', message: `${t.nps.detractors} of ${answers} NPS answers are detractors (0-6)` });
  }
  const below = recent.filter((m) => m.availability && m.availability.measuredPercent < m.availability.guaranteePercent);
  if (below.length) {
    reasons.push({ code: 'availability_below_guarantee', message: `availability below the guarantee in ${below.map((m) => m.month).join(', ')}` });
  }
  if (t.promptness < cfg.churn.promptnessBelow) {
    reasons.push({ code: 'late_payments', message: `${Math.round(t.promptness * 100)}% of what fell due was paid on time` });
  }
  return reasons;
}

export interface CustomerValue {
  index: number;
  class: ValueClass;
  components: Record<ComponentName, number | null>;
  totals: ValueTotals;
  trend: { month: string; index: number }[];
  churnRisk: boolean;
  churnReasons: ChurnReason[];
}

/** The index over the trailing months, its class, the monthly trend (each month annualised) and the churn flag. */
export function customerValue(months: readonly MonthFacts[], cfg: DataValueIndexConfig = DEFAULT_DATA_VALUE_INDEX): CustomerValue {
  const totals = totalsOf(months);
  const components = dataValueComponents(totals, cfg);
  const index = dataValueIndex(components, cfg);
  const reasons = churnReasons(months, cfg);
  return {
    index,
    class: valueClass(index, cfg),
    components,
    totals,
    trend: months.map((m) => ({ month: m.month, index: dataValueIndex(dataValueComponents(totalsOf([m], 12), cfg), cfg) })),
    churnRisk: reasons.length > 0,
    churnReasons: reasons,
  };
}
