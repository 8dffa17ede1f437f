import { billingPeriodFor, type Period } from './calendar.js';
import { basisPoints } from './money.js';
import type { Availability } from './terms.js';

export interface SlaRisk {
  /** Downtime the guarantee allows in the whole period: scheduled x (100 - guarantee) %. */
  allowedDowntimeMs: number;
  /** Counted downtime as a share of the allowed downtime (may exceed 100). */
  budgetUsedPercent: number;
  /** The guarantee is already missed: no uptime left in the period can bring it back. */
  missed: boolean;
  atRisk: boolean;
}

/**
 * Whether a PBH contract's availability guarantee is at risk in the running
 * period (docs/domain.md, "Contracts and billing"). Counted downtime only
 * grows during a period, so the availability the period reaches if nothing
 * else fails is the best case: the guarantee is at risk once the downtime
 * counted so far has used `thresholdPercent` of the downtime it allows, and
 * missed once it used more than all of it. Exact in integers, like the credits.
 */
export function slaRiskOf(a: Pick<Availability, 'scheduledMs' | 'downtimeMs' | 'guaranteePercent' | 'creditSteps'>, thresholdPercent: number): SlaRisk {
  const scheduled = BigInt(a.scheduledMs);
  const down = BigInt(a.downtimeMs);
  const allowed = (scheduled * (10_000n - basisPoints(a.guaranteePercent))) / 10_000n;
  const missed = a.creditSteps > 0;
  const reached = allowed > 0n ? down * 100n * 100n >= allowed * basisPoints(thresholdPercent) : down > 0n;
  return {
    allowedDowntimeMs: Number(allowed),
    budgetUsedPercent: allowed > 0n ? Number((down * 10_000n) / allowed) / 100 : down > 0n ? 100 : 0,
    missed,
    atRisk: down > 0n && (missed || reached),
  };
}

/** The billing period a day falls in: its month, or for quarterly billing its calendar quarter. */
export function runningPeriod(day: string, billing: 'monthly' | 'quarterly'): Period {
  const month = Number(day.slice(5, 7));
  const last = billing === 'monthly' ? month : Math.ceil(month / 3) * 3;
  return billingPeriodFor(`${day.slice(0, 4)}-${String(last).padStart(2, '0')}`, billing)!;
}
