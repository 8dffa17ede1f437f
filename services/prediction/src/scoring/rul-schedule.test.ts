import { describe, expect, it } from 'vitest';
import { DEFAULT_PREDICTION_CONFIG } from './config.js';
import { nextRulDelayMs } from './rul-schedule.js';

const HOUR = 3_600_000;
const cfg = { rulEveryMs: HOUR, rulHeadroomShare: 0.25, rulMaxEveryMs: 24 * HOUR };
const est = (hours: number, lowerHours = hours, failureProbability?: number) => ({ hours, lowerHours, ...(failureProbability === undefined ? {} : { failureProbability }) });

describe('nextRulDelayMs', () => {
  // Lead time 72 h, margin 0.25: levels at 144 (medium), 90 (trigger), 72 (high), 36 (critical) and 0 h.
  it('waits a share of the headroom to the next lower level, read on the lower band', () => {
    expect(nextRulDelayMs(est(130), 72, 0.25, cfg)).toBe(0.25 * (130 - 90) * HOUR);
    expect(nextRulDelayMs(est(200, 130), 72, 0.25, cfg)).toBe(0.25 * (130 - 90) * HOUR);
    expect(nextRulDelayMs(est(80), 72, 0.25, cfg)).toBe(2 * HOUR);
    expect(nextRulDelayMs(est(20), 72, 0.25, cfg)).toBe(5 * HOUR);
  });

  it('stays within [rulEveryMs, rulMaxEveryMs]', () => {
    expect(nextRulDelayMs(est(1000), 72, 0.25, cfg)).toBe(24 * HOUR);
    expect(nextRulDelayMs(est(91), 72, 0.25, cfg)).toBe(HOUR);
    expect(nextRulDelayMs(est(0), 72, 0.25, cfg)).toBe(HOUR);
    expect(nextRulDelayMs(est(1000), 72, 0.25, { ...cfg, rulHeadroomShare: 0 })).toBe(HOUR);
  });

  it('follows an estimate whose failure probability matters at the shortest interval', () => {
    expect(nextRulDelayMs(est(1000, 1000, 0.05), 72, 0.25, cfg)).toBe(24 * HOUR);
    expect(nextRulDelayMs(est(1000, 1000, 0.15), 72, 0.25, cfg)).toBe(HOUR);
  });

  it('defaults: every 10 min at most, at least daily', () => {
    expect(nextRulDelayMs(est(5000), 72, 0.25, DEFAULT_PREDICTION_CONFIG)).toBe(24 * HOUR);
    expect(nextRulDelayMs(est(90.5), 72, 0.25, DEFAULT_PREDICTION_CONFIG)).toBe(10 * 60_000);
  });
});
