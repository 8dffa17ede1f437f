import { describe, expect, it } from 'vitest';
import { cmapssSummaryLine } from './summary-line.js';

describe('eval:cmapss summary line', () => {
  it('puts rmse_capped (truth capped at 125) right after rmse and keeps the rest of the line', () => {
    // Truths 150 and 100: capped 125 and 100. Predictions 125 and 110.
    // rmse = sqrt((25^2 + 10^2) / 2) = 19.04; rmse_capped = sqrt((0 + 10^2) / 2) = 7.07;
    // score: d = -25 -> e^(25/13) - 1 = 5.8398, d = +10 -> e - 1 = 1.7183; sum 7.56.
    const line = cmapssSummaryLine({ set: 'FD001', predicted: [125, 110], actual: [150, 100], trainSeconds: 12.345 });
    expect(line).toBe('cmapss FD001: rmse=19.04 rmse_capped=7.07 score=7.56 units=2 train_s=12.3');
  });
});
