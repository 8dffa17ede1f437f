import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultDowntime } from './completion-defaults';

const H = 3_600_000;
const NOW = Date.UTC(2026, 11, 7, 12);

describe('the completion form default downtime', () => {
  it("uses the order's window when it is over, the two hours up to now without one, and now when the window has not ended", () => {
    expect(defaultDowntime({ windowFrom: NOW - 5 * H, windowTo: NOW - 3 * H }, NOW)).toEqual({ from: NOW - 5 * H, to: NOW - 3 * H });
    expect(defaultDowntime({}, NOW)).toEqual({ from: NOW - 2 * H, to: NOW });
    expect(defaultDowntime({ windowFrom: NOW - H, windowTo: NOW + 3 * H }, NOW)).toEqual({ from: NOW - H, to: NOW });
    // A window scheduled later than now (the form's old default): not a reversed range.
    expect(defaultDowntime({ windowFrom: NOW + H, windowTo: NOW + 5 * H }, NOW)).toEqual({ from: NOW - 2 * H, to: NOW });
  });

  it('is never a range the server refuses, nor in the future, whatever the window', () => {
    const instant = fc.option(fc.integer({ min: NOW - 400 * 24 * H, max: NOW + 400 * 24 * H }), { nil: undefined });
    fc.assert(
      fc.property(instant, instant, (windowFrom, windowTo) => {
        const d = defaultDowntime({ windowFrom, windowTo }, NOW);
        expect(d.to).toBeGreaterThanOrEqual(d.from);
        expect(d.to).toBeLessThanOrEqual(NOW);
      }),
    );
  });
});
