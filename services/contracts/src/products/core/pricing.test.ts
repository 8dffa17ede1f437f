import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conditionFactor, expectedFailures, populationMedianResidual, priceExtendedWarranty, type FailureModePricingInput, type PricingInput } from './pricing.js';

const bearing: FailureModePricingInput = {
  failureMode: 'bearing',
  shape: 2,
  scale: 1000,
  restoration: 'minimal_repair',
  ageHours: 500,
  averageCostMinor: 150_000,
  costBasis: { source: 'work_orders', orders: 4 },
};

describe('extended-warranty pricing from a Weibull fit', () => {
  it('matches the hand-computed expected cost of a known fit', () => {
    // Hand computation (minimal repair: failures form a power-law process, E = H(a + h) - H(a), H(t) = (t/eta)^beta):
    //   shape beta = 2, scale eta = 1000 h, current age a = 500 h
    //   utilisation 0.5 over a 2000 h term -> h = 0.5 x 2000 = 1000 operating hours over the term
    //   E = (1500/1000)^2 - (500/1000)^2 = 2.25 - 0.25 = 2.0 expected failures
    //   average cost 1,500.00 EUR = 150,000 minor -> subtotal 2.0 x 150,000 = 300,000
    //   no condition estimate -> factor 1
    //   margin 25 % of 300,000 = 75,000 -> total 375,000 (EUR 3,750.00)
    const w = priceExtendedWarranty({ utilisation: 0.5, termHours: 2000, marginPercent: 25, modes: [bearing] });
    expect(w.hoursOverTerm).toBe(1000);
    expect(w.modes[0]!.expectedFailures).toBeCloseTo(2.0, 12);
    expect(w.modes[0]!.conditionFactor).toBe(1);
    expect(w.modes.map((m) => m.subtotalMinor)).toEqual([300_000]);
    expect([w.expectedCostMinor, w.marginMinor, w.totalMinor]).toEqual([300_000, 75_000, 375_000]);
  });

  it('sums the failure modes, each with its own restoration', () => {
    // Second mode: shape 1 (exponential, memoryless), scale 4000 h, renewal. Under renewal the
    // expected count over h hours is the renewal function, for the exponential exactly h/eta:
    //   E = 1000 / 4000 = 0.25 -> x 80,000 = 20,000 (the grid integral is within 0.1 % of it).
    const seal: FailureModePricingInput = { ...bearing, failureMode: 'seal', shape: 1, scale: 4000, restoration: 'as_good_as_new', ageHours: 200, averageCostMinor: 80_000, costBasis: { source: 'default' } };
    const w = priceExtendedWarranty({ utilisation: 0.5, termHours: 2000, marginPercent: 0, modes: [bearing, seal] });
    expect(w.modes[1]!.expectedFailures).toBeCloseTo(0.25, 3);
    expect(Math.abs(w.modes[1]!.subtotalMinor - 20_000)).toBeLessThanOrEqual(20);
    expect(w.totalMinor).toBe(300_000 + w.modes[1]!.subtotalMinor);
  });

  it('renewal: an old wearing unit is replaced by a new one, so it fails less than under minimal repair', () => {
    // Wear-out (shape 3): after a renewal the new unit starts young, after a minimal repair it stays old.
    const renewal = expectedFailures(3, 1000, 900, 1000, 'as_good_as_new');
    const minimal = expectedFailures(3, 1000, 900, 1000, 'minimal_repair'); // (1.9)^3 - (0.9)^3 = 6.859 - 0.729 = 6.13
    expect(minimal).toBeCloseTo(6.13, 10);
    expect(renewal).toBeGreaterThan(0.9);
    expect(renewal).toBeLessThan(minimal);
  });

  it('a worse condition than the population raises the price; no estimate leaves it alone', () => {
    // Population median residual life at 500 h (beta 2, eta 1000): 1000 x sqrt(0.25 + ln 2) - 500 = 471.16 h.
    const median = populationMedianResidual(2, 1000, 500);
    expect(median).toBeCloseTo(471.16, 2);
    // The condition model says half of that: twice as likely to fail as its age alone says.
    expect(conditionFactor(2, 1000, 500, median / 2)).toBeCloseTo(2, 10);
    expect(conditionFactor(2, 1000, 500, undefined)).toBe(1);
    expect(conditionFactor(2, 1000, 500, median * 100)).toBe(0.5); // bounded
    const w = priceExtendedWarranty({ utilisation: 0.5, termHours: 2000, marginPercent: 0, modes: [{ ...bearing, rulHours: median / 2 }] });
    expect(Math.abs(w.totalMinor - 600_000)).toBeLessThanOrEqual(1);
  });
});

describe('pricing properties', () => {
  const mode = fc.record({
    shape: fc.double({ min: 0.5, max: 5, noNaN: true }),
    scale: fc.double({ min: 100, max: 50_000, noNaN: true }),
    restoration: fc.constantFrom('minimal_repair' as const, 'as_good_as_new' as const),
    ageHours: fc.double({ min: 0, max: 20_000, noNaN: true }),
    rulHours: fc.option(fc.double({ min: 1, max: 50_000, noNaN: true }), { nil: undefined }),
    averageCostMinor: fc.integer({ min: 0, max: 10_000_000 }),
  });
  const input = fc.record({
    utilisation: fc.double({ min: 0, max: 1, noNaN: true }),
    termHours: fc.double({ min: 0, max: 30_000, noNaN: true }),
    marginPercent: fc.double({ min: 0, max: 200, noNaN: true }),
    modes: fc.array(mode, { minLength: 1, maxLength: 3 }),
  });
  const price = (i: Omit<PricingInput, 'modes'> & { modes: Omit<FailureModePricingInput, 'failureMode' | 'costBasis'>[] }) =>
    priceExtendedWarranty({ ...i, modes: i.modes.map((m, k) => ({ ...m, failureMode: `m${k}`, costBasis: { source: 'default' as const } })) }).totalMinor;
  const more = fc.double({ min: 0, max: 1, noNaN: true });

  it('is never negative and an integer', () => {
    fc.assert(fc.property(input, (i) => Number.isInteger(price(i)) && price(i) >= 0), { numRuns: 150 });
  });

  it('is monotone in the term length, the margin and the failure cost', () => {
    fc.assert(
      fc.property(input, more, (i, k) => {
        const base = price(i);
        const longer = price({ ...i, termHours: i.termHours * (1 + k) });
        const richer = price({ ...i, marginPercent: i.marginPercent + 100 * k });
        const costlier = price({ ...i, modes: i.modes.map((m) => ({ ...m, averageCostMinor: Math.round(m.averageCostMinor * (1 + k)) })) });
        return longer >= base && richer >= base && costlier >= base;
      }),
      { numRuns: 100 },
    );
  });
});
