/**
 * Whether an asset may buy a plan: age since commissioning, operating hours
 * on the hour meter, and health (the reliability service's failure
 * probability and RUL) within the plan's limits. Every failed limit is a
 * reason, so the refusal says all of them at once.
 */

export interface Eligibility {
  maxAgeMonths?: number | undefined;
  maxOperatingHours?: number | undefined;
  /** Highest failure probability (0..1) within the lead time of any failure mode. */
  maxFailureProbability?: number | undefined;
  /** Lowest median RUL (operating hours) of any failure mode. */
  minRulHours?: number | undefined;
}

export interface AssetCondition {
  ageMonths: number;
  operatingHours: number;
  /** Worst over the failure modes with an estimate; undefined when none has one. */
  failureProbability?: number | undefined;
  rulHours?: number | undefined;
}

export interface Refusal {
  code: 'TOO_OLD' | 'TOO_MANY_HOURS' | 'FAILURE_PROBABILITY_TOO_HIGH' | 'RUL_TOO_SHORT';
  message: string;
}

/** Whole months from `fromDay` to `toDay` (ISO days): a month counts once its day of month is reached. */
export function monthsBetween(fromDay: string, toDay: string): number {
  const [fy, fm, fd] = fromDay.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = toDay.split('-').map(Number) as [number, number, number];
  return Math.max(0, (ty - fy) * 12 + (tm - fm) - (td < fd ? 1 : 0));
}

export function refusals(limits: Eligibility, c: AssetCondition): Refusal[] {
  const out: Refusal[] = [];
  if (limits.maxAgeMonths !== undefined && c.ageMonths > limits.maxAgeMonths) out.push({ code: 'TOO_OLD', message: `${c.ageMonths} months old, the plan allows ${limits.maxAgeMonths}` });
  if (limits.maxOperatingHours !== undefined && c.operatingHours > limits.maxOperatingHours)
    out.push({ code: 'TOO_MANY_HOURS', message: `${Math.round(c.operatingHours)} operating hours, the plan allows ${limits.maxOperatingHours}` });
  if (limits.maxFailureProbability !== undefined && c.failureProbability !== undefined && c.failureProbability > limits.maxFailureProbability)
    out.push({ code: 'FAILURE_PROBABILITY_TOO_HIGH', message: `failure probability ${(c.failureProbability * 100).toFixed(1)} % within the lead time, the plan allows ${(limits.maxFailureProbability * 100).toFixed(1)} %` });
  if (limits.minRulHours !== undefined && c.rulHours !== undefined && c.rulHours < limits.minRulHours)
    out.push({ code: 'RUL_TOO_SHORT', message: `remaining useful life ${Math.round(c.rulHours)} h, the plan needs at least ${limits.minRulHours} h` });
  return out;
}
