import { MetricName, TelemetryReading } from '@hourmeter/domain';
import { describe, expect, it } from 'vitest';
import { AssetSim } from './asset.js';
import { MODEL_KINDS, type ModelKind } from './model-spec.js';
import { MODELS } from './models.js';

const START = Date.UTC(2026, 0, 1);
const HOUR = 3600;

function sim(kind: ModelKind, seed: number, index = 0, initialWear = 0): AssetSim {
  return new AssetSim({ spec: MODELS[kind], seed, index, startMs: START, initialWear });
}

/** The model held at one load level, so a trend can only come from damage, not from regime changes. */
function oneRegime(kind: ModelKind, seed: number, index: number): AssetSim {
  const spec = { ...MODELS[kind], regimes: [{ load: MODELS[kind].referenceLoad, weight: 1 }] };
  return new AssetSim({ spec, seed, index, startMs: START, initialWear: 0 });
}

interface Sample {
  t: number;
  metrics: Record<string, number | boolean>;
  /** Hidden true load, used only to compare readings within one operating regime. */
  load: number;
}

/** Hourly readings until the first failure (the failed reading excluded). */
function runToFailure(a: AssetSim, maxHours = 50_000): Sample[] {
  const out: Sample[] = [];
  for (let h = 0; h < maxHours; h++) {
    a.advance(HOUR);
    if (a.failed) return out;
    out.push({ t: h, metrics: a.read(), load: a.loadFraction });
  }
  throw new Error('no failure within the horizon');
}

function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

const mean = (ys: number[]): number => ys.reduce((s, y) => s + y, 0) / ys.length;
const median = (ys: number[]): number => {
  const s = [...ys].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** Robust spread: 1.4826 x median absolute deviation estimates the sd of the bulk of the data. */
const robustSd = (ys: number[]): number => 1.4826 * median(ys.map((y) => Math.abs(y - median(ys))));

const loadedNow = (m: Sample['metrics']): boolean => m['running'] === true && m['loaded'] !== false;

/**
 * Steady-state readings: loaded now and at the two previous readings, so
 * temperatures have settled after a start (the thermal lags are ~1 h).
 */
function steady(series: Sample[]): Sample[] {
  return series.filter((s, i) => i >= 2 && loadedNow(s.metrics) && loadedNow(series[i - 1]!.metrics) && loadedNow(series[i - 2]!.metrics));
}

describe('asset physics', () => {
  describe.each(MODEL_KINDS)('%s', (kind) => {
    it("the failing mode's indicator trends up before failure, against a flat healthy start", () => {
      for (let index = 0; index < 8; index++) {
        const a = oneRegime(kind, 11, index);
        const series = runToFailure(a);
        const mode = MODELS[kind].failureModes.find((m) => m.id === a.currentFailureMode)!;
        // Compare like with like: loaded running readings only (idle and standstill read differently).
        const loaded = steady(series);
        const life = series.length;
        const pick = (from: number, to: number) => loaded.filter((s) => s.t >= from * life && s.t < to * life);
        const ys = (ss: Sample[]) => ss.map((s) => (s.metrics[mode.indicator.metric] as number) * mode.indicator.direction);
        const xs = (ss: Sample[]) => ss.map((s) => s.t);
        const start = pick(0, 0.25);
        const end = pick(0.8, 1);
        expect(start.length, `${kind}#${index} start samples`).toBeGreaterThan(5);
        expect(end.length, `${kind}#${index} end samples`).toBeGreaterThan(5);
        const endSlope = slope(xs(end), ys(end));
        const startSlope = slope(xs(start), ys(start));
        expect(endSlope, `${kind}#${index} ${mode.id}: end-of-life slope`).toBeGreaterThan(0);
        expect(endSlope, `${kind}#${index} ${mode.id}: end slope vs healthy slope`).toBeGreaterThan(Math.abs(startSlope));
        // The last readings before failure sit clearly beyond the healthy level.
        const last = ys(loaded.slice(-5));
        const healthy = ys(start);
        expect(median(last) - median(healthy), `${kind}#${index} ${mode.id}: shift at end of life`).toBeGreaterThan(3 * robustSd(healthy));
      }
    });

    it('with load regimes changing, the end of life stands out from the healthy start within each regime', () => {
      for (let index = 0; index < 8; index++) {
        const a = sim(kind, 12, index);
        const series = steady(runToFailure(a));
        const mode = MODELS[kind].failureModes.find((m) => m.id === a.currentFailureMode)!;
        const y = (s: Sample) => (s.metrics[mode.indicator.metric] as number) * mode.indicator.direction;
        const life = series[series.length - 1]!.t;
        // Regimes shift the signals more than early damage does (as FD002's six conditions do in C-MAPSS): compare per regime.
        let compared = 0;
        for (const { load } of MODELS[kind].regimes) {
          const inRegime = series.filter((s) => s.load === load);
          const healthy = inRegime.filter((s) => s.t < 0.3 * life).map(y);
          const end = inRegime.filter((s) => s.t > 0.95 * life).map(y);
          if (healthy.length < 5 || end.length < 3) continue;
          compared++;
          expect(median(end) - median(healthy), `${kind}#${index} ${mode.id} at load ${load}`).toBeGreaterThan(3 * robustSd(healthy));
        }
        expect(compared, `${kind}#${index}: regimes with enough data`).toBeGreaterThan(0);
      }
    });

    it('same seed gives an identical series; another seed another failure time', () => {
      const a = runToFailure(sim(kind, 42, 3));
      const b = runToFailure(sim(kind, 42, 3));
      expect(b).toEqual(a);
      const failureAt = (seed: number) => {
        const s = sim(kind, seed, 3);
        runToFailure(s);
        return s.failureLog[0]!.atMs;
      };
      expect(failureAt(42)).toBe(failureAt(42));
      expect(failureAt(43)).not.toBe(failureAt(42));
    });

    it('publishes valid telemetry: schema, metric names, two decimals, a running flag', () => {
      const a = sim(kind, 5, 0, 0.5);
      const states = new Set<boolean>();
      for (let h = 0; h < 500; h++) {
        a.advance(HOUR);
        const metrics = a.read();
        expect(TelemetryReading.safeParse({ ts: a.nowMs, metrics }).success).toBe(true);
        for (const [name, v] of Object.entries(metrics)) {
          expect(MetricName.safeParse(name).success, name).toBe(true);
          if (typeof v === 'number') expect(Math.round(v * 100) / 100).toBe(v);
        }
        states.add(metrics['running'] as boolean);
      }
      expect(states).toEqual(new Set([true, false]));
    });

    it('a failed asset stays stopped until maintenance, which restores health and restarts it', () => {
      const a = sim(kind, 9, 1);
      runToFailure(a);
      const mode = a.currentFailureMode!;
      expect(a.health[mode]).toBe(1);
      for (let h = 0; h < 48; h++) {
        a.advance(HOUR);
        expect(a.read()['running']).toBe(false);
      }
      expect(a.command({ type: 'maintenance.completed', failureMode: 'no_such_mode' }).ok).toBe(false);
      expect(a.command({ type: 'reboot' }).ok).toBe(false);
      expect(a.failed).toBe(true);

      const outcome = a.command({ type: 'maintenance.completed', workOrderId: 'wo_1', failureMode: mode, quality: 1 });
      expect(outcome.ok).toBe(true);
      expect(a.failed).toBe(false);
      expect(a.health[mode]).toBe(0);
      let ranAgain = false;
      for (let h = 0; h < 72 && !ranAgain; h++) {
        a.advance(HOUR);
        ranAgain = a.read()['running'] === true;
      }
      expect(ranAgain).toBe(true);
    });

    it('an imperfect repair leaves part of the damage', () => {
      const a = sim(kind, 9, 2);
      runToFailure(a);
      const mode = a.currentFailureMode!;
      a.command({ type: 'maintenance.completed', failureMode: mode, quality: 0.6 });
      expect(a.health[mode]).toBeCloseTo(0.4, 10);
      expect(a.failed).toBe(false);
    });
  });

  it('load raises the signals: a pump at full load vibrates more than at part load', () => {
    const a = sim('pump', 1, 0);
    const byLoad = new Map<number, number[]>();
    for (let h = 0; h < 300; h++) {
      a.advance(HOUR);
      const m = a.read();
      if (m['running'] !== true) continue;
      const flow = m['flow_m3h'] as number;
      const bucket = flow > 100 ? 1 : flow > 80 ? 0.8 : flow > 50 ? 0.55 : 0;
      byLoad.set(bucket, [...(byLoad.get(bucket) ?? []), m['vibration_rms_mm_s'] as number]);
    }
    expect(mean(byLoad.get(1)!)).toBeGreaterThan(mean(byLoad.get(0.55)!));
  });

  it("the gearbox's operating-hours counter only grows, and only while running", () => {
    const a = sim('gearbox', 3, 0, 0.3);
    let prev = -1;
    for (let h = 0; h < 1000; h++) {
      const before = a.operatingHours;
      const wasRunning = a.read()['running'];
      a.advance(60);
      const m = a.read();
      expect(m['operating_hours'] as number).toBeGreaterThanOrEqual(prev);
      prev = m['operating_hours'] as number;
      if (!wasRunning && !m['running']) expect(a.operatingHours).toBe(before);
    }
  });
});
