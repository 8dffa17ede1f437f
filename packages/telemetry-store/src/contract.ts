/**
 * The TelemetryStore contract: one suite every adapter must pass (as
 * aedes-persistence's abstract tests do). Each test gets a fresh empty store
 * from the factory. Expected values are computed here, independently, from
 * the input readings (`expected*` below), never copied from adapter output.
 *
 * Imported from `@hourmeter/telemetry-store/contract` so production code
 * never loads vitest.
 */
import { seededRandom } from '@hourmeter/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Aggregation, SeriesPoint, StoredReading, TelemetryStore } from './port.js';

export interface ContractStore {
  readonly store: TelemetryStore;
  /** Closes the store and removes its data. */
  cleanup(): Promise<void> | void;
}

export type ContractStoreFactory = () => Promise<ContractStore>;

/** A fixed instant that is not a multiple of any step used below. */
const T0 = Date.UTC(2025, 0, 1) + 12_345;
const STEP = 60_000;

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Readings of two assets every 7 s over ~30 min with a 5-minute gap (empty
 * buckets), 2-decimal values, a boolean metric, and `vib` missing from every
 * third reading (sparse metrics).
 */
function fleet(): StoredReading[] {
  const rand = seededRandom(42);
  const out: StoredReading[] = [];
  for (let i = 0; i < 260; i++) {
    const ts = T0 + i * 7_000;
    if (ts >= T0 + 10 * STEP && ts < T0 + 15 * STEP) continue; // the gap
    for (const assetId of ['ast_a', 'ast_b']) {
      const offset = assetId === 'ast_a' ? 0 : 1000;
      const metrics: Record<string, number | boolean> = {
        temp: round2(offset + 60 + rand() * 30),
        pressure: round2(offset + rand() * 10 - 5),
        running: rand() > 0.3,
      };
      if (i % 3 !== 0) metrics.vib = round2(offset + rand() * 12);
      out.push({ assetId, deviceId: `dev_${assetId}`, ts, seq: i, metrics });
    }
  }
  return out;
}

function asNumber(v: number | boolean): number {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

function expectedRaw(rs: readonly StoredReading[], assetId: string, metric: string, from: number, to: number): SeriesPoint[] {
  return rs
    .filter((r) => r.assetId === assetId && r.ts >= from && r.ts < to && r.metrics[metric] !== undefined)
    .map((r) => ({ ts: r.ts, value: asNumber(r.metrics[metric]!) }))
    .sort((a, b) => a.ts - b.ts);
}

function expectedBuckets(
  rs: readonly StoredReading[],
  assetId: string,
  metric: string,
  from: number,
  to: number,
  step: number,
  agg: Aggregation,
): SeriesPoint[] {
  const buckets = new Map<number, SeriesPoint[]>();
  for (const p of expectedRaw(rs, assetId, metric, from, to)) {
    const start = Math.floor(p.ts / step) * step;
    buckets.set(start, [...(buckets.get(start) ?? []), p]);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([ts, ps]) => {
      const values = ps.map((p) => p.value);
      const value =
        agg === 'mean'
          ? values.reduce((s, v) => s + v, 0) / values.length
          : agg === 'min'
            ? Math.min(...values)
            : agg === 'max'
              ? Math.max(...values)
              : ps.reduce((a, b) => (b.ts > a.ts ? b : a)).value;
      return { ts, value };
    });
}

function expectPointsClose(actual: readonly SeriesPoint[], expected: readonly SeriesPoint[]): void {
  expect(actual.map((p) => p.ts)).toEqual(expected.map((p) => p.ts));
  actual.forEach((p, i) => expect(p.value).toBeCloseTo(expected[i]!.value, 6));
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function telemetryStoreContract(name: string, factory: ContractStoreFactory): void {
  describe(`TelemetryStore contract: ${name}`, () => {
    let ctx: ContractStore | undefined;
    const store = (): TelemetryStore => {
      if (!ctx) throw new Error('store factory did not run');
      return ctx.store;
    };
    const data = fleet();
    const first = data[0]!.ts;
    const end = data[data.length - 1]!.ts + 1;

    beforeEach(async () => {
      ctx = await factory();
    });
    afterEach(async () => {
      await ctx?.cleanup();
      ctx = undefined;
    });

    it('answers ping', async () => {
      expect(await store().ping()).toBe(true);
    });

    it('writes a batch and returns raw points per requested metric, in request order', async () => {
      await store().writeBatch(data);
      const series = await store().queryRange({ assetId: 'ast_a', metrics: ['vib', 'temp'], from: first, to: end });
      expect(series.map((s) => s.metric)).toEqual(['vib', 'temp']);
      expect(series[0]!.points).toEqual(expectedRaw(data, 'ast_a', 'vib', first, end));
      expect(series[1]!.points).toEqual(expectedRaw(data, 'ast_a', 'temp', first, end));
      expect(series[0]!.points.length).toBeGreaterThan(50);
    });

    it('stores a re-written reading once', async () => {
      await store().writeBatch(data);
      await store().writeBatch(data.slice(0, 100)); // a retried batch
      await store().writeBatch([...data.slice(50, 80), ...data.slice(50, 80)]); // repeated within a batch
      await store().writeBatch(data);
      const [temp] = await store().queryRange({ assetId: 'ast_b', metrics: ['temp'], from: first, to: end });
      expect(temp!.points).toEqual(expectedRaw(data, 'ast_b', 'temp', first, end));
      const [mean] = await store().queryRange({
        assetId: 'ast_b', metrics: ['pressure'], from: first, to: end, stepMs: STEP, agg: 'mean',
      });
      expectPointsClose(mean!.points, expectedBuckets(data, 'ast_b', 'pressure', first, end, STEP, 'mean'));
    });

    it('keeps readings that differ only in seq', async () => {
      const ts = T0 + 999;
      const twins: StoredReading[] = [
        { assetId: 'ast_t', deviceId: 'dev_t', ts, seq: 1, metrics: { temp: 10.25 } },
        { assetId: 'ast_t', deviceId: 'dev_t', ts, seq: 2, metrics: { temp: 11.5 } },
      ];
      await store().writeBatch(twins);
      await store().writeBatch(twins);
      const [temp] = await store().queryRange({ assetId: 'ast_t', metrics: ['temp'], from: ts, to: ts + 1 });
      expect(temp!.points.map((p) => p.value).sort((a, b) => a - b)).toEqual([10.25, 11.5]);
      expect(temp!.points.every((p) => p.ts === ts)).toBe(true);
    });

    it('accepts out-of-order writes and returns points in time order', async () => {
      const mixed = shuffled(data, 7);
      for (let i = 0; i < mixed.length; i += 97) await store().writeBatch(mixed.slice(i, i + 97));
      const [temp, vib] = await store().queryRange({ assetId: 'ast_a', metrics: ['temp', 'vib'], from: first, to: end });
      expect(temp!.points).toEqual(expectedRaw(data, 'ast_a', 'temp', first, end));
      expect(vib!.points).toEqual(expectedRaw(data, 'ast_a', 'vib', first, end));
    });

    it('treats from as inclusive and to as exclusive', async () => {
      await store().writeBatch(data);
      const from = data[20]!.ts;
      const to = data[80]!.ts;
      const [temp] = await store().queryRange({ assetId: 'ast_a', metrics: ['temp'], from, to });
      const expected = expectedRaw(data, 'ast_a', 'temp', from, to);
      expect(temp!.points).toEqual(expected);
      expect(temp!.points[0]!.ts).toBe(from);
      expect(temp!.points.some((p) => p.ts === to)).toBe(false);
    });

    for (const agg of ['mean', 'min', 'max', 'last'] as const) {
      it(`buckets by step with ${agg}: aligned to multiples of step, empty buckets omitted`, async () => {
        await store().writeBatch(data);
        const from = first + 3_000; // not aligned: the first bucket starts before `from`
        const [temp, running] = await store().queryRange({
          assetId: 'ast_a', metrics: ['temp', 'running'], from, to: end, stepMs: STEP, agg,
        });
        const expected = expectedBuckets(data, 'ast_a', 'temp', from, end, STEP, agg);
        expectPointsClose(temp!.points, expected);
        expect(temp!.points.every((p) => p.ts % STEP === 0)).toBe(true);
        // The 5-minute gap leaves whole buckets empty: they are omitted, not zero.
        const span = (expected[expected.length - 1]!.ts - expected[0]!.ts) / STEP + 1;
        expect(temp!.points.length).toBeLessThan(span);
        expectPointsClose(running!.points, expectedBuckets(data, 'ast_a', 'running', from, end, STEP, agg));
      });
    }

    it('does not leak other assets or metrics', async () => {
      await store().writeBatch(data);
      const series = await store().queryRange({ assetId: 'ast_a', metrics: ['pressure'], from: first, to: end });
      expect(series).toHaveLength(1);
      expect(series[0]!.points).toEqual(expectedRaw(data, 'ast_a', 'pressure', first, end));
      // ast_b's values are offset by 1000, so any leak would show.
      expect(series[0]!.points.every((p) => p.value < 100)).toBe(true);
      const none = await store().queryRange({ assetId: 'ast_zz', metrics: ['pressure', 'nope'], from: first, to: end });
      expect(none).toEqual([
        { metric: 'pressure', points: [] },
        { metric: 'nope', points: [] },
      ]);
    });

    it('stores booleans as 0/1', async () => {
      await store().writeBatch(data);
      const [running] = await store().queryRange({ assetId: 'ast_a', metrics: ['running'], from: first, to: end });
      const expected = expectedRaw(data, 'ast_a', 'running', first, end);
      expect(running!.points).toEqual(expected);
      expect(new Set(running!.points.map((p) => p.value))).toEqual(new Set([0, 1]));
    });

    it('returns the latest value per metric, optionally filtered', async () => {
      await store().writeBatch(shuffled(data, 3));
      const latestOf = (assetId: string, metric: string) => {
        const pts = expectedRaw(data, assetId, metric, -Infinity, Infinity);
        const last = pts[pts.length - 1]!;
        return { metric, ts: last.ts, value: last.value };
      };
      const byMetric = (a: { metric: string }, b: { metric: string }) => a.metric.localeCompare(b.metric);
      const all = await store().latest('ast_b');
      expect([...all].sort(byMetric)).toEqual(['pressure', 'running', 'temp', 'vib'].map((m) => latestOf('ast_b', m)));
      // vib is missing from some readings: its latest is older than temp's.
      const some = await store().latest('ast_a', ['vib', 'temp', 'unknown']);
      expect([...some].sort(byMetric)).toEqual([latestOf('ast_a', 'temp'), latestOf('ast_a', 'vib')]);
      expect(await store().latest('ast_zz')).toEqual([]);
    });

    it('breaks ties in last and latest by seq, then by the larger value', async () => {
      const ts = T0 + 5_000;
      const bucket = Math.floor(ts / STEP) * STEP;
      const at = (assetId: string, deviceId: string, seq: number | undefined, temp: number): StoredReading => ({
        assetId, deviceId, ts, seq, metrics: { temp },
      });
      // Each case: readings of one asset in the same millisecond, and the value that is "last".
      const cases: { readings: StoredReading[]; last: number }[] = [
        // One device, two seqs: the higher seq is the later reading, whatever its value.
        { readings: [at('ast_q', 'dev_1', 8, 1), at('ast_q', 'dev_1', 7, 9)], last: 1 },
        // Different devices: seq still orders them.
        { readings: [at('ast_r', 'dev_1', 1, 9), at('ast_r', 'dev_2', 2, 3)], last: 3 },
        // A reading without seq counts as seq 0, so one with seq 1 is later.
        { readings: [at('ast_u', 'dev_1', undefined, 9), at('ast_u', 'dev_2', 1, 2)], last: 2 },
        // No seq and seq 0 on two devices tie: the larger value.
        { readings: [at('ast_v', 'dev_1', undefined, 4), at('ast_v', 'dev_2', 0, 3)], last: 4 },
        // Three devices with the same seq, in every order of values: the larger value.
        ...[[5, 7, 6], [7, 5, 6], [6, 7, 5], [5, 6, 7], [7, 6, 5], [6, 5, 7]].map((values, n) => ({
          readings: values.map((v, d) => at(`ast_p${n}`, `dev_${d}`, 3, v)),
          last: 7,
        })),
      ];
      // An older reading with a larger value must not win either.
      const older = cases.map((c) => ({ ...c.readings[0]!, ts: ts - 1000, seq: 99, metrics: { temp: 100 } }));
      await store().writeBatch([...older, ...cases.flatMap((c) => c.readings)]);
      for (const c of cases) {
        const assetId = c.readings[0]!.assetId;
        expect(await store().latest(assetId), assetId).toEqual([{ metric: 'temp', ts, value: c.last }]);
        const [temp] = await store().queryRange({ assetId, metrics: ['temp'], from: bucket, to: bucket + STEP, stepMs: STEP, agg: 'last' });
        expect(temp!.points, assetId).toEqual([{ ts: bucket, value: c.last }]);
      }
    });

    it('deletes readings strictly older than the retention cutoff', async () => {
      await store().writeBatch(data);
      const cutoff = data[100]!.ts;
      await store().deleteBefore(cutoff);
      const [temp] = await store().queryRange({ assetId: 'ast_a', metrics: ['temp'], from: first, to: end });
      expect(temp!.points).toEqual(expectedRaw(data, 'ast_a', 'temp', cutoff, end));
      expect(temp!.points[0]!.ts).toBe(cutoff);
      // Retention is global: the other asset loses its old readings too.
      const [other] = await store().queryRange({ assetId: 'ast_b', metrics: ['temp'], from: first, to: cutoff });
      expect(other!.points).toEqual([]);
    });

    it('keeps a metric named like an object member apart from a missing value', async () => {
      // "constructor" is a valid metric name; a reading without it must not
      // pick up what every JavaScript object inherits under that name.
      await store().writeBatch([
        { assetId: 'ast_o', deviceId: 'dev_o', ts: first, metrics: { constructor: 1.5, temp: 20 } },
        { assetId: 'ast_o', deviceId: 'dev_o', ts: first + 1000, metrics: { temp: 21 } },
        { assetId: 'ast_o', deviceId: 'dev_o', ts: first + 2000, metrics: { constructor: 2.5 } },
      ]);
      const [ctor, temp] = await store().queryRange({ assetId: 'ast_o', metrics: ['constructor', 'temp'], from: first, to: end });
      expect(ctor!.points).toEqual([{ ts: first, value: 1.5 }, { ts: first + 2000, value: 2.5 }]);
      expect(temp!.points).toEqual([{ ts: first, value: 20 }, { ts: first + 1000, value: 21 }]);
    });

    it('round-trips 2-decimal values exactly', async () => {
      const values = [0, 0.01, 0.1, 0.29, -0.07, 1.1, 19.99, 123.45, -987.65, 4567.89, 99999.99, 1234567.01];
      const readings = values.map((v, i) => ({
        assetId: 'ast_d', deviceId: 'dev_d', ts: T0 + i * 1000, seq: i, metrics: { x: v, y: round2(0.1 + 0.2 * i) },
      }));
      await store().writeBatch(readings);
      const [x, y] = await store().queryRange({ assetId: 'ast_d', metrics: ['x', 'y'], from: T0, to: T0 + 60_000 });
      expect(x!.points.map((p) => p.value)).toEqual(values);
      expect(y!.points.map((p) => p.value.toFixed(2))).toEqual(readings.map((r) => r.metrics.y.toFixed(2)));
      expect(y!.points.map((p) => p.value)).toEqual(readings.map((r) => r.metrics.y));
    });
  });
}
