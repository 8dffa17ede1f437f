import { describe, expect, it } from 'vitest';
import { phm08Score, quantile, rmse, rmseCapped } from './metrics.js';

describe('metrics', () => {
  it('rmse', () => {
    expect(rmse([1, 2], [3, 2])).toBeCloseTo(Math.SQRT2, 12);
    expect(() => rmse([1], [1, 2])).toThrow();
  });
  it('rmseCapped compares with the truth capped, leaving the uncapped rmse stricter', () => {
    // truths 200 and 100 capped at 125: errors 0 and 20 -> sqrt(200); uncapped: 75 and 20.
    expect(rmseCapped([125, 120], [200, 100], 125)).toBeCloseTo(Math.sqrt(200), 12);
    expect(rmse([125, 120], [200, 100])).toBeCloseTo(Math.sqrt((75 * 75 + 20 * 20) / 2), 12);
  });
  it('PHM08 score punishes late predictions harder than early ones', () => {
    // d = -13 -> e - 1; d = +10 -> e - 1; d = 0 -> 0.
    expect(phm08Score([0, 20, 5], [13, 10, 5])).toBeCloseTo(2 * (Math.E - 1), 12);
    expect(phm08Score([15], [10])).toBeGreaterThan(phm08Score([5], [10]));
  });
  it('quantile interpolates between order statistics', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
  });
});
