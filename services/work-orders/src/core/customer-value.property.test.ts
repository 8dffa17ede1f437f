import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { customerValue, dataValueComponents, dataValueIndex, valueClass, DEFAULT_DATA_VALUE_INDEX, type ValueTotals } from './customer-value.js';

const nps = fc.record({ promoters: fc.nat(50), passives: fc.nat(50), detractors: fc.nat(50) });
const totals: fc.Arbitrary<ValueTotals> = fc.record({
  yearlyRevenueMinor: fc.nat(2e11),
  costToServeMinor: fc.nat(2e10),
  workOrders: fc.nat(200),
  repeatFailures: fc.nat(50),
  promptness: fc.double({ min: 0, max: 1, noNaN: true }),
  availability: fc.option(fc.record({ measuredPercent: fc.double({ min: 80, max: 100, noNaN: true }), guaranteePercent: fc.double({ min: 90, max: 99.9, noNaN: true }) }), { nil: null }),
  nps,
  complaints: fc.oneof(fc.record({ available: fc.constant(true as const), count: fc.nat(30) }), fc.constant({ available: false as const, reason: 'no requests table' })),
});
const indexOf = (t: ValueTotals) => dataValueIndex(dataValueComponents(t));

describe('customer value index from data (property)', () => {
  it('is monotone in each component in its documented direction', () => {
    fc.assert(
      fc.property(totals, fc.nat(1e10), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(20), fc.double({ min: 0, max: 5, noNaN: true }), (t, more, dp, k, dAvail) => {
        const base = indexOf(t);
        // more revenue (cost unchanged) never lowers it
        expect(indexOf({ ...t, yearlyRevenueMinor: t.yearlyRevenueMinor + more })).toBeGreaterThanOrEqual(base);
        // paying more on time never lowers it
        expect(indexOf({ ...t, promptness: Math.min(1, t.promptness + dp) })).toBeGreaterThanOrEqual(base);
        // more cost to serve never raises it
        expect(indexOf({ ...t, costToServeMinor: t.costToServeMinor + more })).toBeLessThanOrEqual(base);
        // more repeat failures among as many orders never raise it
        if (t.workOrders > 0) expect(indexOf({ ...t, repeatFailures: Math.min(t.workOrders, t.repeatFailures + k) })).toBeLessThanOrEqual(indexOf({ ...t, repeatFailures: Math.min(t.workOrders, t.repeatFailures) }));
        // higher measured availability never lowers it
        if (t.availability) expect(indexOf({ ...t, availability: { ...t.availability, measuredPercent: t.availability.measuredPercent + dAvail } })).toBeGreaterThanOrEqual(base);
        // more complaints never raise it
        if (t.complaints.available) expect(indexOf({ ...t, complaints: { available: true, count: t.complaints.count + k } })).toBeLessThanOrEqual(base);
        // a detractor turned promoter never lowers it
        if (t.nps.detractors > 0) expect(indexOf({ ...t, nps: { ...t.nps, detractors: t.nps.detractors - 1, promoters: t.nps.promoters + 1 } })).toBeGreaterThanOrEqual(base);
      }),
    );
  });

  it('stays within 0..100 and its classes partition the customers in index order', () => {
    fc.assert(
      fc.property(fc.array(totals, { minLength: 1, maxLength: 30 }), (customers) => {
        const indices = customers.map(indexOf);
        for (const i of indices) expect(i >= 0 && i <= 100).toBe(true);
        const classes = indices.map((i) => valueClass(i));
        // every customer in exactly one class, and a higher index never gets a lower class
        expect(classes.filter((c) => c === 'A').length + classes.filter((c) => c === 'B').length + classes.filter((c) => c === 'C').length).toBe(customers.length);
        const rank = { A: 0, B: 1, C: 2 } as const;
        for (let i = 0; i < indices.length; i++)
          for (let j = 0; j < indices.length; j++) if (indices[i]! > indices[j]!) expect(rank[classes[i]!]).toBeLessThanOrEqual(rank[classes[j]!]);
      }),
    );
  });
});

describe('churn risk', () => {
  const month = (m: number, revenueMinor: number, over: Partial<Parameters<typeof customerValue>[0][number]> = {}) => ({
    month: `2026-${String(m).padStart(2, '0')}`,
    revenueMinor,
    costToServeMinor: 0,
    workOrders: 1,
    repeatFailures: 0,
    promptness: 1,
    availability: null,
    nps: { promoters: 0, passives: 0, detractors: 0 },
    complaints: { available: true as const, count: 0 },
    ...over,
  });

  it('flags falling revenue, detractors, availability below the guarantee and late payment, each with its reason', () => {
    const steady = customerValue([1, 2, 3, 4, 5, 6].map((m) => month(m, 100_000)));
    expect(steady.churnRisk).toBe(false);
    const falling = customerValue([1, 2, 3, 4, 5, 6].map((m) => month(m, m <= 3 ? 100_000 : 50_000)));
    expect(falling.churnReasons.map((r) => r.code)).toEqual(['revenue_falling']);
    expect(falling.churnReasons[0]!.message).toBe('revenue of the last 3 months is 50% below the 3 before');
    const unhappy = customerValue([
      month(1, 100_000, { nps: { promoters: 1, passives: 0, detractors: 2 } }),
      month(2, 100_000, { availability: { measuredPercent: 96, guaranteePercent: 98 }, promptness: 0.5 }),
    ]);
    expect(unhappy.churnReasons.map((r) => r.code)).toEqual(['nps_detractors', 'availability_below_guarantee', 'late_payments']);
    expect(unhappy.trend.map((t) => t.month)).toEqual(['2026-01', '2026-02']);
  });

  it('leaves out a component without data rather than scoring it 0', () => {
    const withoutComplaints = dataValueComponents({ yearlyRevenueMinor: 0, costToServeMinor: 0, workOrders: 0, repeatFailures: 0, promptness: 1, availability: null, nps: { promoters: 0, passives: 0, detractors: 0 }, complaints: { available: false, reason: 'x' } });
    expect(withoutComplaints.complaints).toBeNull();
    // revenue 0 scores 0, promptness 1, cost to serve 1 (no cost): (0.15 + 0.15) / 0.6 of the weights present
    expect(dataValueIndex(withoutComplaints, DEFAULT_DATA_VALUE_INDEX)).toBe(50);
  });
});
