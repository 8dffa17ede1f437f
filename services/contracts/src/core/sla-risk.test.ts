import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runningPeriod, slaRiskOf } from './sla-risk.js';
import { creditBasisPoints } from './terms.js';

const H = 3_600_000;

/** The availability figures the rule reads, for one asset 24x7 over `days` with `downH` hours counted. */
function figures(days: number, downH: number, guaranteePercent: number) {
  const scheduledMs = days * 24 * H;
  const downtimeMs = Math.round(downH * H);
  const { steps } = creditBasisPoints({ availabilityGuaranteePercent: guaranteePercent, creditSchedule: { stepPoints: 0.5, percentPerStep: 1, capPercent: 5 } }, BigInt(scheduledMs), BigInt(scheduledMs - downtimeMs));
  return { scheduledMs, downtimeMs, guaranteePercent, creditSteps: steps };
}

describe('SLA at risk', () => {
  it('is at risk from the threshold share of the allowed downtime, and missed beyond all of it', () => {
    // 30 days, 98 %: 14.4 h allowed, 80 % of it is 11.52 h.
    expect(slaRiskOf(figures(30, 11.5, 98), 80)).toMatchObject({ allowedDowntimeMs: 14.4 * H, atRisk: false, missed: false });
    expect(slaRiskOf(figures(30, 11.52, 98), 80)).toMatchObject({ atRisk: true, missed: false, budgetUsedPercent: 80 });
    expect(slaRiskOf(figures(30, 14.4, 98), 80)).toMatchObject({ atRisk: true, missed: false, budgetUsedPercent: 100 });
    expect(slaRiskOf(figures(30, 14.5, 98), 80)).toMatchObject({ atRisk: true, missed: true });
    expect(slaRiskOf(figures(30, 0, 98), 80)).toMatchObject({ atRisk: false, budgetUsedPercent: 0 });
    // A 100 % guarantee allows nothing: any downtime misses it.
    expect(slaRiskOf(figures(30, 0.5, 100), 80)).toMatchObject({ allowedDowntimeMs: 0, atRisk: true, missed: true });
  });

  it('once at risk, stays at risk as downtime grows (a period is announced once, never withdrawn)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 92 }), fc.integer({ min: 9000, max: 9999 }), fc.integer({ min: 1, max: 100 }), fc.nat({ max: 500 }), fc.nat({ max: 500 }), (days, gBp, threshold, a, b) => {
        const g = gBp / 100;
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const cap = days * 24;
        const first = slaRiskOf(figures(days, Math.min(lo / 10, cap), g), threshold);
        const later = slaRiskOf(figures(days, Math.min(hi / 10, cap), g), threshold);
        if (first.atRisk) expect(later.atRisk).toBe(true);
        if (first.missed) expect(later.missed).toBe(true);
        if (first.missed) expect(first.atRisk).toBe(true);
      }),
    );
  });

  it('finds the running billing period of a day', () => {
    expect(runningPeriod('2026-12-07', 'monthly')).toEqual({ start: '2026-12-01', end: '2026-12-31' });
    expect(runningPeriod('2026-02-10', 'quarterly')).toEqual({ start: '2026-01-01', end: '2026-03-31' });
    expect(runningPeriod('2026-12-31', 'quarterly')).toEqual({ start: '2026-10-01', end: '2026-12-31' });
  });
});
