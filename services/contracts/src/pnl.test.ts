import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate } from './pnl.js';

describe('allocate', () => {
  it('splits 1,000 by 30:10 hours into 750 and 250, and odd units to the largest remainder', () => {
    expect(allocate(1_000, new Map([['a', 30], ['b', 10]]))).toEqual(new Map([['a', 750], ['b', 250]]));
    // 100 / 3 = 33.33 each: the one unit left goes to the first key (equal remainders).
    expect(allocate(100, new Map([['a', 1], ['b', 1], ['c', 1]]))).toEqual(new Map([['a', 34], ['b', 33], ['c', 33]]));
    expect(allocate(-101, new Map([['a', 0], ['b', 0]]))).toEqual(new Map([['a', -51], ['b', -50]]));
  });

  it('always sums to the amount, each share within one unit of its exact proportion', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), fc.array(fc.nat({ max: 3_600_000 * 744 }), { minLength: 1, maxLength: 8 }), (amount, ws) => {
        const weights = new Map(ws.map((w, i) => [`k${i}`, w]));
        const shares = allocate(amount, weights);
        expect([...shares.values()].reduce((s, v) => s + v, 0)).toBe(amount);
        const total = ws.reduce((s, w) => s + w, 0);
        for (const [k, share] of shares) {
          const exact = total > 0 ? (amount * weights.get(k)!) / total : amount / ws.length;
          expect(Math.abs(share - exact)).toBeLessThan(1 + 1e-6);
        }
      }),
    );
  });
});
