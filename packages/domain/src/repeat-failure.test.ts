import { describe, expect, it } from 'vitest';
import { repeatableMode, repeatLookup } from './repeat-failure.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 3, 1);

describe('repeat failures', () => {
  it('only a corrective order naming a failure mode can repeat one', () => {
    expect(repeatableMode({ kind: 'corrective', failureMode: 'bearing_wear' })).toBe('bearing_wear');
    expect(repeatableMode({ kind: 'corrective' })).toBeUndefined();
    expect(repeatableMode({ kind: 'corrective', failureMode: null })).toBeUndefined();
    expect(repeatableMode({ kind: 'preventive', failureMode: 'bearing_wear' })).toBeUndefined();
    expect(repeatableMode({ kind: 'inspection', failureMode: 'bearing_wear' })).toBeUndefined();
  });

  it("looks back over the asset model's window where it sets one, else the configured one, up to now", () => {
    expect(repeatLookup('seal_leak', NOW, { modelDays: 7, configuredMs: 30 * DAY })).toEqual({ failureMode: 'seal_leak', completedFrom: NOW - 7 * DAY, completedTo: NOW });
    expect(repeatLookup('seal_leak', NOW, { modelDays: null, configuredMs: 30 * DAY })).toEqual({ failureMode: 'seal_leak', completedFrom: NOW - 30 * DAY, completedTo: NOW });
    // A model window of 0 days is a setting (no repeats but the same instant), not an absent one.
    expect(repeatLookup('seal_leak', NOW, { modelDays: 0, configuredMs: 30 * DAY }).completedFrom).toBe(NOW);
  });
});
