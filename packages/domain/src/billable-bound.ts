import type { ContractTermsInput } from './contracts.js';

/**
 * The largest amount (minor units) one billing period of a contract may
 * reach. Invoice totals add up lines, credits and adjustments in JavaScript
 * numbers: a thousandth of Number.MAX_SAFE_INTEGER (about 9 x 10^12, i.e.
 * 90 billion in a two-decimal currency per period) leaves room for those sums
 * to stay exact.
 */
export const MAX_PERIOD_AMOUNT_MINOR = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/** Hours in the longest billing period (a quarter of 92 days). */
const MAX_HOURS_PER_ASSET_PERIOD = 92 * 24;

export interface BillableShape {
  readonly startsOn: string;
  readonly endsOn: string;
  readonly assetCount: number;
  readonly terms: ContractTermsInput;
}

/** Whole contract years from `startsOn` to `endsOn` (anniversaries passed): the escalation steps the rate can take. */
function yearsSpanned(startsOn: string, endsOn: string): number {
  const [y0, m0, d0] = startsOn.split('-').map(Number) as [number, number, number];
  const [y1, m1, d1] = endsOn.split('-').map(Number) as [number, number, number];
  return Math.max(0, y1 - y0 - (m1 < m0 || (m1 === m0 && d1 < d0) ? 1 : 0));
}

/**
 * Why a contract's terms could produce an amount billing cannot keep exact,
 * or undefined when every billable amount fits. Worst case per period: every
 * asset billed every hour of a quarter (or the minimum hours, if larger) at the
 * rate escalated to the term's last year; time-and-materials and extra work
 * with every asset's every hour worked and travelled.
 */
export function billableOverflow(c: BillableShape): { path: string; message: string } | undefined {
  const assets = Math.max(1, c.assetCount);
  const hours = MAX_HOURS_PER_ASSET_PERIOD * assets;
  const years = yearsSpanned(c.startsOn, c.endsOn);
  const fits = (amount: number) => Number.isFinite(amount) && amount <= MAX_PERIOD_AMOUNT_MINOR;
  const explain = (what: string, amount: number) =>
    `${what}: one billing period could reach ${Number.isFinite(amount) ? amount.toExponential(2) : 'an unbounded amount'} minor units, ` +
    `more than the ${MAX_PERIOD_AMOUNT_MINOR} that invoices keep exact (worst case: ${assets} asset(s) for every hour of a quarter` +
    `${years > 0 ? `, the rate escalated over ${years} year(s)` : ''}); lower it, or split the contract`;
  const t = c.terms;
  if (t.kind === 'pbh') {
    const escalated = t.ratePerHourMinor * (1 + (t.annualEscalationPercent ?? 0) / 100) ** years;
    const amount = escalated * Math.max(hours, t.minimumHoursPerPeriod ?? 0);
    if (!fits(amount)) return { path: 'terms.ratePerHourMinor', message: explain('terms.ratePerHourMinor with terms.annualEscalationPercent and terms.minimumHoursPerPeriod', amount) };
    const extra = t.extraWorkRates;
    if (extra) {
      const amount = (extra.labourRatePerHourMinor + extra.travelRatePerHourMinor) * hours;
      if (!fits(amount)) return { path: 'terms.extraWorkRates', message: explain('terms.extraWorkRates labour + travel', amount) };
    }
  }
  if (t.kind === 'time_and_materials') {
    // Rates left out come from the region's rate card when the work is billed.
    const amount = ((t.labourRatePerHourMinor ?? 0) + (t.travelRatePerHourMinor ?? 0)) * hours;
    if (!fits(amount)) return { path: 'terms.labourRatePerHourMinor', message: explain('terms.labourRatePerHourMinor + terms.travelRatePerHourMinor', amount) };
  }
  return undefined;
}
