import type { ContractTermsInput, ContractVersion, ContractWithHistory, PbhTermsInput } from '@hourmeter/domain';
import { contractYear, daysBetween, periodSpan, type Period } from './calendar.js';
import { basisPoints, halfEven, hoursToMs, roundDiv } from './money.js';
import type { DowntimeEvent } from '../ports.js';

/** The version in effect on a day (the newest whose effectiveFrom is not after it). */
export function versionOn(contract: Pick<ContractWithHistory, 'versions'>, day: string): ContractVersion {
  let found = contract.versions[0]!;
  for (const v of contract.versions) if (v.effectiveFrom <= day) found = v;
  return found;
}

/**
 * The PBH rate on a day. Escalation compounds on each anniversary of the
 * contract start, and each year's rate is rounded half-even to minor units:
 * r0 = rate, r(k) = halfEven(r(k-1) x (10000 + escalation bp) / 10000).
 */
export function rateOn(terms: Pick<PbhTermsInput, 'ratePerHourMinor' | 'annualEscalationPercent'>, startsOn: string, day: string): { rate: number; year: number } {
  const year = contractYear(startsOn, day);
  const bp = basisPoints(terms.annualEscalationPercent ?? 0);
  let rate = BigInt(terms.ratePerHourMinor);
  for (let k = 0; k < year; k++) rate = halfEven(rate * (10_000n + bp), 10_000n);
  return { rate: Number(rate), year };
}

/**
 * Service-credit percentage (basis points) for an availability shortfall:
 * one step of `percentPerStep` for each `stepPoints` (or part of one) below the
 * guarantee, capped at `capPercent`. Exact: availability is up/scheduled, so
 *   steps = ceil((G x scheduled - 10000 x up) / (S x scheduled))  (G, S in bp).
 */
export function creditBasisPoints(terms: Pick<PbhTermsInput, 'availabilityGuaranteePercent' | 'creditSchedule'>, scheduledMs: bigint, upMs: bigint): { steps: number; bp: number } {
  if (scheduledMs <= 0n) return { steps: 0, bp: 0 };
  const G = basisPoints(terms.availabilityGuaranteePercent);
  const S = basisPoints(terms.creditSchedule.stepPoints ?? 0.5);
  const num = G * scheduledMs - 10_000n * upMs;
  if (num <= 0n) return { steps: 0, bp: 0 };
  const den = S * scheduledMs;
  const steps = (num + den - 1n) / den;
  const bp = steps * basisPoints(terms.creditSchedule.percentPerStep);
  const cap = basisPoints(terms.creditSchedule.capPercent);
  return { steps: Number(steps), bp: Number(bp < cap ? bp : cap) };
}

/**
 * The span of each asset's life that downtime can lie in: from its
 * commissioning to now. A window that starts before the asset was
 * commissioned or ends in the future is wrong data: it does not count at all
 * (clipping it would still turn a typo of years into downtime of this period).
 */
export type AssetLife = ReadonlyMap<string, { from: number; to: number }>;

export interface AvailabilityEvent extends DowntimeEvent {
  /** Whether it counts against availability, and why not when it does not. */
  counted: boolean;
  reason: 'unplanned' | 'planned_maintenance' | 'excluded_cause' | 'asset_not_covered' | 'outside_asset_life';
  /** Milliseconds inside the period not already counted for an overlapping event. */
  countedMs: number;
}

export interface Availability {
  periodStart: string;
  periodEnd: string;
  scheduledMs: number;
  downtimeMs: number;
  /** 100 x (scheduled - downtime) / scheduled, for display (credits use exact integers). */
  availabilityPercent: number;
  guaranteePercent: number;
  creditSteps: number;
  creditPercent: number;
  events: AvailabilityEvent[];
}

/**
 * Scheduled hours: 24x7 is every hour of every covered day on the contract's
 * clock (a daylight-saving day has 23 or 25); a number is hours per asset per
 * full billing period, prorated by covered days for a partial one.
 */
export function scheduledMs(terms: PbhTermsInput, assetCount: number, period: Period, fullPeriod: Period, zone = 'UTC'): bigint {
  const active = BigInt(daysBetween(period.start, period.end));
  if (terms.scheduledHoursPerPeriod === '24x7') {
    const { from, to } = periodSpan(period, zone);
    return BigInt(to - from) * BigInt(assetCount);
  }
  const full = BigInt(daysBetween(fullPeriod.start, fullPeriod.end));
  return halfEven(hoursToMs(terms.scheduledHoursPerPeriod) * BigInt(assetCount) * active, full);
}

export function availability(
  terms: PbhTermsInput,
  assetIds: readonly string[],
  period: Period,
  fullPeriod: Period,
  downtime: readonly DowntimeEvent[],
  life: AssetLife = new Map(),
  zone = 'UTC',
): Availability {
  // The period's days on the contract's clock, as instants: downtime windows are instants.
  const { from, to } = periodSpan(period, zone);
  const covered = new Set(assetIds);
  const excluded = new Set<string>(terms.excludedCauses ?? []);
  const countedUntil = new Map<string, number>();
  const events: AvailabilityEvent[] = [];
  let down = 0;
  const sorted = [...downtime].filter((e) => e.to > from && e.from < to).sort((a, b) => a.from - b.from || a.workOrderId.localeCompare(b.workOrderId));
  for (const e of sorted) {
    const span = life.get(e.assetId);
    const reason: AvailabilityEvent['reason'] = !covered.has(e.assetId)
      ? 'asset_not_covered'
      : span && (e.from < span.from || e.to > span.to)
        ? 'outside_asset_life'
        : e.planned
        ? 'planned_maintenance'
        : excluded.has(e.cause)
          ? 'excluded_cause'
          : 'unplanned';
    let countedMs = 0;
    if (reason === 'unplanned') {
      // Overlapping windows on one asset merge (count once), clipped to the period.
      const start = Math.max(e.from, from, countedUntil.get(e.assetId) ?? from);
      const end = Math.min(e.to, to);
      countedMs = Math.max(0, end - start);
      countedUntil.set(e.assetId, Math.max(countedUntil.get(e.assetId) ?? from, end));
      down += countedMs;
    }
    events.push({ ...e, counted: reason === 'unplanned', reason, countedMs });
  }
  const scheduled = scheduledMs(terms, assetIds.length, period, fullPeriod, zone);
  const downMs = BigInt(down) > scheduled ? scheduled : BigInt(down);
  const up = scheduled - downMs;
  const credit = creditBasisPoints(terms, scheduled, up);
  return {
    periodStart: period.start,
    periodEnd: period.end,
    scheduledMs: Number(scheduled),
    downtimeMs: Number(downMs),
    availabilityPercent: scheduled > 0n ? roundDiv(up * 100_000n, scheduled) / 1000 : 100,
    guaranteePercent: terms.availabilityGuaranteePercent,
    creditSteps: credit.steps,
    creditPercent: credit.bp / 100,
    events,
  };
}

export function isPbh(terms: ContractTermsInput): terms is PbhTermsInput {
  return terms.kind === 'pbh';
}
