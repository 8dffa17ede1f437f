import { describe, expect, it } from 'vitest';
import { createAnomalyDetector, newAssetState, type MetricScore, type ObserveOptions } from './detector.js';
import { gaussian } from './testing.js';

const MIN = 60_000;
const single: ObserveOptions = { regime: { kind: 'single' } };

/** Runs a series through a fresh detector; returns the first flagged index and the number of flagged readings. */
function run(values: (i: number) => Record<string, number | boolean>, count: number, opts: ObserveOptions = single) {
  const det = createAnomalyDetector();
  const state = newAssetState();
  let first = -1;
  let flagged = 0;
  let scored = 0;
  const flags: number[] = [];
  let last: MetricScore | undefined;
  for (let i = 0; i < count; i++) {
    let any = false;
    det.observe(state, i * MIN, values(i), opts, (s) => {
      scored++;
      last = { ...s };
      if (s.flagged) any = true;
    });
    if (any) {
      flagged++;
      flags.push(i);
      if (first < 0) first = i;
    }
  }
  return { first, flagged, scored, flags, last, state };
}

describe('anomaly detector', () => {
  it('does not flag long stationary noise, even with isolated spikes (false-positive rate bound)', () => {
    const noise = gaussian(1);
    const n = 50_000;
    const r = run((i) => ({ vibration_rms: 2 + 0.1 * noise() + (i % 97 === 0 ? 1.5 : 0) }), n);
    expect(r.scored).toBeGreaterThan(n - 100);
    // Bound: fewer than 1 flagged reading in 10,000.
    expect(r.flagged / n).toBeLessThan(1e-4);
  });

  it('does not flag regime changes when each regime is stationary', () => {
    const noise = gaussian(2);
    // Load switches between 20 %, 55 % and 90 % every 40-ish readings; temperature follows load.
    const load = (i: number) => [20, 55, 90][Math.floor(i / 37 + Math.sin(i / 500) * 3 + 3) % 3]!;
    const r = run((i) => {
      const l = load(i);
      return { load_pct: l, discharge_temp_c: 60 + l * 0.4 + noise(), vibration_rms: 1 + l / 50 + 0.05 * noise() };
    }, 30_000, { regime: { kind: 'auto' } });
    expect(r.state.regime).toEqual({ kind: 'metric', metric: 'load_pct', edges: [10, 20, 30, 40, 50, 60, 70, 80, 90] });
    expect(Object.keys(r.state.series).sort()).toEqual([
      'discharge_temp_c|load_pct:2',
      'discharge_temp_c|load_pct:5',
      'discharge_temp_c|load_pct:9',
      'vibration_rms|load_pct:2',
      'vibration_rms|load_pct:5',
      'vibration_rms|load_pct:9',
    ]);
    expect(r.flagged).toBe(0);
    // The same data with a single baseline is anomalous all the time: regimes matter.
    const noise2 = gaussian(2);
    const one = run((i) => {
      const l = load(i);
      return { discharge_temp_c: 60 + l * 0.4 + noise2() };
    }, 5_000);
    expect(one.flagged).toBeGreaterThan(100);
  });

  it('flags an injected step within a few readings and keeps flagging while it lasts', () => {
    const noise = gaussian(3);
    const stepAt = 2_000;
    const r = run((i) => ({ motor_current_a: 10 + 0.2 * noise() + (i >= stepAt ? 0.8 : 0) }), 2_400);
    expect(r.flags.filter((i) => i < stepAt)).toEqual([]);
    expect(r.first).toBeGreaterThanOrEqual(stepAt);
    expect(r.first - stepAt).toBeLessThan(10);
    // The step is not absorbed into the baseline: still flagged at the end.
    expect(r.flags.at(-1)).toBe(2_399);
    expect(r.last!.levelZ).toBeGreaterThan(3);
  });

  it('flags a slow drift that moves 1 noise scale every 1,000 readings', () => {
    const noise = gaussian(4);
    const driftFrom = 3_000;
    const r = run((i) => ({ winding_temp_c: 80 + noise() + Math.max(0, i - driftFrom) / 1_000 }), 8_000);
    expect(r.flags.filter((i) => i < driftFrom)).toEqual([]);
    expect(r.first).toBeGreaterThan(driftFrom);
    // Detected before the drift reaches 3 scales.
    expect(r.first - driftFrom).toBeLessThan(3_000);
    expect(r.last!.trendPerHour).toBeGreaterThan(0);
  });

  it('does not flag a single large spike, but does flag a sustained burst', () => {
    const noise = gaussian(5);
    const spike = run((i) => ({ v: noise() + (i === 1_000 ? 50 : 0) }), 1_200);
    expect(spike.flagged).toBe(0);
    const noise2 = gaussian(5);
    const burst = run((i) => ({ v: noise2() + (i >= 1_000 && i < 1_010 ? 50 : 0) }), 1_200);
    expect(burst.first).toBeGreaterThanOrEqual(1_000);
    expect(burst.first).toBeLessThan(1_010);
  });

  it('waits for warm-up, ignores stale readings and non-numeric values, and resets baselines', () => {
    const det = createAnomalyDetector({ warmup: 50 });
    const state = newAssetState();
    let scored = 0;
    for (let i = 0; i < 49; i++) det.observe(state, i, { v: i % 2, running: true }, single, () => scored++);
    expect(scored).toBe(0);
    expect(det.observe(state, 10, { v: 1 }, single, () => scored++)).toBe(false);
    for (let i = 49; i < 60; i++) det.observe(state, i, { v: i % 2, bad: Number.NaN, s: 'x' as unknown as number }, single, () => scored++);
    expect(scored).toBeGreaterThan(0);
    expect(Object.keys(state.series)).toEqual(['v|all']);
    // Round-trips through JSON.
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    det.reset(state, ['v']);
    expect(state.series).toEqual({});
  });

  it('is deterministic', () => {
    const a = run((i) => ({ v: Math.sin(i) + (i > 500 ? 3 : 0) }), 800);
    const b = run((i) => ({ v: Math.sin(i) + (i > 500 ? 3 : 0) }), 800);
    expect(a.state).toEqual(b.state);
    expect(a.flags).toEqual(b.flags);
  });
});
