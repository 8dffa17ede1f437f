import { describe, expect, it } from 'vitest';
import { anniversary, contractYear } from './calendar.js';
import { halfEven, priceOfMs } from './money.js';
import { creditBasisPoints, rateOn } from './terms.js';

describe('banker\'s rounding (half to even), per line', () => {
  it('rounds ties to the even neighbour and everything else to the nearest', () => {
    expect(halfEven(5n, 2n)).toBe(2n); // 2.5 -> 2
    expect(halfEven(7n, 2n)).toBe(4n); // 3.5 -> 4
    expect(halfEven(-5n, 2n)).toBe(-2n); // -2.5 -> -2
    expect(halfEven(-7n, 2n)).toBe(-4n); // -3.5 -> -4
    expect(halfEven(251n, 100n)).toBe(3n); // 2.51 -> 3
    expect(halfEven(249n, 100n)).toBe(2n);
  });
  it('prices operating time exactly before the one rounding', () => {
    // 0.5 h x 5 minor/h = 2.5 -> 2 ; 0.5 h x 7 = 3.5 -> 4
    expect(priceOfMs(1_800_000, 5)).toBe(2);
    expect(priceOfMs(1_800_000, 7)).toBe(4);
    // 1 ms at 1,000,000.00/h: 100,000,000 / 3,600,000 = 27.78 -> 28
    expect(priceOfMs(1, 100_000_000)).toBe(28);
    // A month of 24 h x 31 days x 1,000 assets at 999,999.99/h does not lose precision (BigInt inside).
    expect(priceOfMs(744 * 3_600_000 * 1000, 99_999_999)).toBe(744 * 1000 * 99_999_999);
  });
});

describe('escalation on each anniversary of the start', () => {
  it('compounds yearly with each year rounded half-even', () => {
    const terms = { ratePerHourMinor: 10_001, annualEscalationPercent: 3.5 };
    expect(rateOn(terms, '2025-03-16', '2026-03-15')).toEqual({ rate: 10_001, year: 0 });
    // 10,001 x 1.035 = 10,351.035 -> 10,351
    expect(rateOn(terms, '2025-03-16', '2026-03-16')).toEqual({ rate: 10_351, year: 1 });
    // 10,351 x 1.035 = 10,713.285 -> 10,713
    expect(rateOn(terms, '2025-03-16', '2027-03-16')).toEqual({ rate: 10_713, year: 2 });
  });
  it('puts a 29 February anniversary on 28 February in common years', () => {
    expect(anniversary('2024-02-29', 1)).toBe('2025-02-28');
    expect(contractYear('2024-02-29', '2025-02-27')).toBe(0);
    expect(contractYear('2024-02-29', '2025-02-28')).toBe(1);
    expect(anniversary('2024-02-29', 4)).toBe('2028-02-29');
  });
});

describe('service-credit schedule: 2% per 0.5 point (or part) below 98.0%, capped at 10%', () => {
  const terms = { availabilityGuaranteePercent: 98, creditSchedule: { stepPoints: 0.5, percentPerStep: 2, capPercent: 10 } };
  const sched = 1_000_000n; // availability = up / 1,000,000
  const at = (percent: number) => creditBasisPoints(terms, sched, BigInt(Math.round(percent * 10_000)));
  it.each([
    [100, 0, 0],
    [98.0, 0, 0], // at the guarantee: no credit
    [97.9999, 1, 200], // any part of a step counts
    [97.5, 1, 200], // exactly one step (0.5 points)
    [97.49, 2, 400],
    [97.0, 2, 400],
    [96.9, 3, 600],
    [96.0, 4, 800],
    [95.5, 5, 1000], // 5 x 2% = 10% = the cap
    [95.0, 6, 1000], // 6 x 2% = 12% -> capped at 10%
    [0, 196, 1000],
  ])('availability %d%% -> %d step(s), %d bp', (percent, steps, bp) => {
    expect(at(percent)).toEqual({ steps, bp });
  });
});
