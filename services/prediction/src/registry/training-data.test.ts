import { describe, expect, it } from 'vitest';
import { RUL_INPUT_METRICS, readingsToCycles, type MetricSpec } from './training-data.js';

const HOUR = 3_600_000;

describe('readings to model cycles for any metric set', () => {
  it('a pump with its own metric names maps to the same cycles as the C-MAPSS names', () => {
    // Two readings per 1 h cycle, 24 C-MAPSS channels, under C-MAPSS names and under a pump's names.
    const pumpSpec: MetricSpec = { settings: ['load_pct', 'speed_rpm', 'inlet_bar'], sensors: Array.from({ length: 21 }, (_, i) => `pump.ch${i}`) };
    const pumpNames = [...pumpSpec.settings, ...pumpSpec.sensors];
    const values = (t: number) => RUL_INPUT_METRICS.map((_, j) => Math.sin(t + j) * 10 + j);
    const asReadings = (names: readonly string[]) =>
      Array.from({ length: 10 }, (_, t) => ({ ts: t * HOUR * 0.5, metrics: Object.fromEntries(names.map((n, j) => [n, values(t)[j]!])) }));
    const cmapss = readingsToCycles(asReadings(RUL_INPUT_METRICS), { hoursPerCycle: 1 });
    const pump = readingsToCycles(asReadings(pumpNames), { hoursPerCycle: 1, metrics: pumpSpec });
    // Buckets are centred on whole steps from the first reading (half a step of tolerance): 0 | 0.5,1 | 1.5,2 | ... | 4.5.
    expect(pump).toHaveLength(6);
    expect(pump).toEqual(cmapss);
    // Averaged per cycle: readings 1 and 2 form cycle 1.
    expect(pump[1]!.sensors[0]).toBeCloseTo((values(1)[3]! + values(2)[3]!) / 2, 12);
    expect(pump[0]!.settings).toHaveLength(3);
    // The pump's readings under the default (C-MAPSS) spec carry none of its metrics.
    expect(readingsToCycles(asReadings(pumpNames), { hoursPerCycle: 1 })).toEqual([]);
  });

  it('a reading lacking one of the spec metrics is skipped, other metrics are ignored', () => {
    const spec: MetricSpec = { settings: ['load'], sensors: ['temp', 'vib'] };
    const cycles = readingsToCycles(
      [
        { ts: 0, metrics: { load: 1, temp: 20, vib: 2, running: true } },
        { ts: HOUR, metrics: { load: 1, temp: 21 } },
        { ts: 2 * HOUR, metrics: { load: 2, temp: 22, vib: 3 } },
      ],
      { hoursPerCycle: 1, metrics: spec },
    );
    expect(cycles).toEqual([
      { settings: [1], sensors: [20, 2] },
      { settings: [2], sensors: [22, 3] },
    ]);
  });
});
