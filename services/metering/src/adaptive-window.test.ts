import type { RangeQuery, StoredReading } from '@hourmeter/telemetry-store';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DAY_MS, dayOf, dayStart, dayStartOf } from './core/days.js';
import { COUNTER_LOOKBACK_MS, narrowWindow, operatingTime, sampleWindow, type DayResult, type MeterSettings, type Sample } from './core/operating-time.js';
import { createHourMeter, readDay } from './hour-meter.js';
import type { DailyTotal, SampleSource, TotalsStore } from './ports.js';
import { useRealStores } from './testing/real-stores.js';

const S = 1_000;
const MIN = 60_000;
const H = 3_600_000;
const D0 = Date.UTC(2026, 2, 1);
const logger = pino({ level: 'silent' });

/** xorshift32: the same series on every run. */
function rng(seed: number): () => number {
  let s = seed * 2_654_435_761 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

interface Case {
  settings: MeterSettings;
  samples: Sample[];
}

/**
 * A device counter over 1-3 weeks: running and idle stretches (read every
 * 10 s to every hour), offline spells of an hour to 10 days (running all,
 * part or none of it, or more than possible), a device repeating a stale
 * value while the machine runs, restarts from zero, replacement units, a
 * counter a little fast, and twin readings. Many stretches end at or near a
 * midnight, or near where the narrow window's margins end, where the
 * narrow window is hardest to judge.
 */
function randomCounter(seed: number): Case {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const between = (a: number, b: number) => Math.round(a + r() * (b - a));
  const unit = pick(['hours', 'seconds'] as const);
  const resolution = unit === 'hours' ? pick([undefined, 0.05, 0.1, 0.25, 1, 6]) : pick([undefined, 1, 60, 360]);
  const stepMs = (resolution ?? 1) * (unit === 'hours' ? H : S);
  const settings: MeterSettings = {
    rule: { kind: 'counter', metric: 'engine_hours', unit, ...(resolution === undefined ? {} : { resolution }) },
    maxGapMs: pick([5 * MIN, 15 * MIN, H, 6 * H]),
  };
  // How far the narrow window reaches before and after a day.
  const narrow = narrowWindow(settings, D0, D0 + DAY_MS);
  const [before, after] = [narrow.from - D0, narrow.to - (D0 + DAY_MS)];
  const samples: Sample[] = [];
  let t = D0 + between(0, DAY_MS);
  let ran = between(0, 5_000) * H;
  let shown = ran;
  const end = t + between(7, 21) * DAY_MS;
  const report = () => {
    const value = Math.floor(shown / stepMs) * (resolution ?? 1);
    samples.push({ ts: t, value });
    if (r() < 0.01) samples.push({ ts: t, value: value + pick([-1, 1]) * (resolution ?? 1) });
  };
  /** Where a stretch of about `length` ends: often at a midnight, or just inside or outside a margin of one. */
  const until = (length: number) => {
    if (r() < 0.5) return t + length;
    const midnight = dayStart(t + length) + DAY_MS;
    const jitter = between(-30 * MIN, 30 * MIN);
    const near = pick([0, 0, between(-3 * H, 3 * H), between(0, 3.36 * H), before + jitter, after + jitter, 3.36 * H + jitter]);
    return Math.max(t + MIN, midnight + near);
  };
  report();
  while (t < end) {
    const kind = pick(['run', 'run', 'run', 'idle', 'idle', 'offline', 'offline', 'stale', 'flicker', 'reset', 'replace'] as const);
    const every = pick([10 * S, MIN, 5 * MIN, 15 * MIN, H]);
    // At most some 500 readings a stretch, to keep the test quick.
    const length = Math.min(500 * every, kind === 'idle' ? between(10 * MIN, 3 * DAY_MS) : between(10 * MIN, 30 * H));
    const pace = r() < 0.1 ? 1 + r() * 0.03 : 1;
    if (kind === 'run' || kind === 'idle' || kind === 'flicker' || kind === 'stale') {
      for (const stop = until(length); t < stop; ) {
        t = Math.min(t + every, stop);
        const running = kind === 'run' || kind === 'stale' || (kind === 'flicker' && r() < 0.5);
        if (running) ran += every * pace;
        if (kind !== 'stale') shown = ran;
        report();
      }
    } else if (kind === 'offline') {
      const away = until(pick([between(H, 12 * H), between(12 * H, 3 * DAY_MS), between(3 * DAY_MS, 10 * DAY_MS)])) - t;
      t += away;
      ran += away * pick([0, 0.3, 1, 1.01, 1.02, 1.05, 1.3]);
      shown = ran;
      report();
    } else {
      t += every;
      ran = kind === 'reset' ? r() * every : ran + between(1_000, 20_000) * H;
      shown = ran;
      report();
    }
  }
  return { settings, samples };
}

/** A telemetry store over an array: what a query returns, and how many points it read. */
function arraySource(samples: readonly Sample[]): SampleSource & { points: number } {
  const sorted = [...samples].sort((a, b) => a.ts - b.ts);
  const firstAtOrAfter = (ts: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.ts < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const source = {
    points: 0,
    async queryRange(q: RangeQuery) {
      const points = sorted.slice(firstAtOrAfter(q.from), firstAtOrAfter(q.to));
      source.points += points.length;
      return q.metrics.map((metric) => ({ metric, points }));
    },
  };
  return source;
}

const inWindow = (samples: readonly Sample[], w: { from: number; to: number }) => samples.filter((s) => s.ts >= w.from && s.ts < w.to);
/** All but the gap time: of a gap beginning before the sample window, no window shows the part inside the day. */
const withoutGap = ({ gapMs: _, ...rest }: DayResult) => rest;

function daysOf(samples: readonly Sample[]): number[] {
  const first = dayStart(Math.min(...samples.map((s) => s.ts))) - 2 * DAY_MS;
  const last = dayStart(Math.max(...samples.map((s) => s.ts))) + 9 * DAY_MS;
  return Array.from({ length: (last - first) / DAY_MS + 1 }, (_, i) => first + i * DAY_MS);
}

describe('adaptive counter window', () => {
  it('gives every day of random counter series exactly what all the readings give, widening the narrow window only where it must', async () => {
    const seen = { days: 0, narrow: 0, widenedBefore: 0, widenedAfter: 0, narrowAloneWrong: 0, points: 0, fullPoints: 0 };
    for (let seed = 1; seed <= 60; seed++) {
      const { settings, samples } = randomCounter(seed);
      const source = arraySource(samples);
      for (const from of daysOf(samples)) {
        const to = from + DAY_MS;
        const label = `seed ${seed} day ${dayOf(from)} ${JSON.stringify(settings)}`;
        source.points = 0;
        const { points, window } = await readDay(source, 'ast_1', settings, from, to);
        const got = operatingTime(points, settings, from, to);
        const full = sampleWindow(settings, from, to);
        const inFull = (await source.queryRange({ assetId: 'ast_1', metrics: ['m'], ...full }))[0]!.points;
        expect(got, label).toEqual(operatingTime(inFull, settings, from, to));
        expect(withoutGap(got), label).toEqual(withoutGap(operatingTime(samples, settings, from, to)));
        // Every reading is read once.
        expect(source.points - inFull.length, label).toBe(points.length);

        seen.days++;
        seen.points += points.length;
        seen.fullPoints += inFull.length;
        const narrow = narrowWindow(settings, from, to);
        if (window.from === narrow.from && window.to === narrow.to) seen.narrow++;
        if (window.from < narrow.from) seen.widenedBefore++;
        if (window.to > narrow.to) seen.widenedAfter++;
        const fromNarrow = operatingTime((await source.queryRange({ assetId: 'ast_1', metrics: ['m'], ...narrow }))[0]!.points, settings, from, to);
        if (JSON.stringify(withoutGap(fromNarrow)) !== JSON.stringify(withoutGap(got))) seen.narrowAloneWrong++;
      }
    }
    // The series exercise every branch, including many days the narrow window alone would get wrong.
    expect(seen.narrow).toBeGreaterThan(150);
    expect(seen.widenedBefore).toBeGreaterThan(500);
    expect(seen.widenedAfter).toBeGreaterThan(500);
    expect(seen.narrowAloneWrong).toBeGreaterThan(150);
    expect(seen.points).toBeLessThan(seen.fullPoints);
  });
});

describe('adaptive counter window at its bounds', () => {
  const seconds: MeterSettings = { rule: { kind: 'counter', metric: 'engine_s', unit: 'seconds' }, maxGapMs: 15 * MIN };
  const from = D0 + 10 * DAY_MS;
  const to = from + DAY_MS;
  /** A credit can begin 2% of the lookback (3.36 h) before the run it is measured from. */
  const OVERSHOOT = 0.02 * COUNTER_LOOKBACK_MS;

  async function check(samples: Sample[]) {
    const { points, window } = await readDay(arraySource(samples), 'ast_1', seconds, from, to);
    const got = operatingTime(points, seconds, from, to);
    expect(got).toEqual(operatingTime(samples, seconds, from, to));
    const narrow = narrowWindow(seconds, from, to);
    return { samples, got, window, narrow, fromNarrow: operatingTime(inWindow(samples, narrow), seconds, from, to) };
  }

  /**
   * Idle (read every 10 minutes) until a tick at `lastChange`, then silent
   * until a reading a lookback later claims the most the tolerance allows:
   * its credit begins 3.36 h before `lastChange`.
   */
  function overshootAfter(lastChange: number): Sample[] {
    const samples: Sample[] = [];
    for (let t = lastChange - 2 * DAY_MS; t < lastChange; t += 10 * MIN) samples.push({ ts: t, value: 5_000 });
    samples.push({ ts: lastChange, value: 5_001 });
    samples.push({ ts: lastChange + COUNTER_LOOKBACK_MS, value: 5_001 + (1.02 * COUNTER_LOOKBACK_MS) / S });
    return samples;
  }

  it('widens after the day while a credit measured from its last change could begin inside the day', async () => {
    const reaching = await check(overshootAfter(to + OVERSHOOT - 1));
    expect(reaching.window.to).toBeGreaterThan(reaching.narrow.to);
    // The narrow window alone misses the millisecond the late credit puts into the day.
    expect([reaching.got.operatingMs, reaching.fromNarrow.operatingMs]).toEqual([1, 0]);

    const clear = await check(overshootAfter(to + OVERSHOOT + 1));
    expect(clear.window).toEqual(clear.narrow);
  });

  it('widens before the day when the first change claims more than its run shows inside the window, unless its lookback is inside', async () => {
    // Idle at 100 h, read hourly from just before the narrow window to the day after; silent
    // then until a change that claims what ran in the whole lookback, just short of the cap.
    const narrowFrom = narrowWindow(seconds, from, to).from;
    const idleFrom = narrowFrom - 30 * MIN;
    const idle = (until: number) => {
      const samples: Sample[] = [{ ts: idleFrom, value: 360_000 }];
      for (let t = narrowFrom; t < until; t += H) samples.push({ ts: t, value: 360_000 });
      return samples;
    };
    const change = idleFrom + COUNTER_LOOKBACK_MS;
    const capped = await check([...idle(to + DAY_MS), { ts: change, value: 360_000 + Math.floor((1.02 * COUNTER_LOOKBACK_MS) / S) - 60 }]);
    // Inside the window the run shows 30 minutes less: the credit would be capped lower.
    expect(capped.window).toEqual(sampleWindow(seconds, from, to));
    const narrowBefore = { from: capped.narrow.from, to: sampleWindow(seconds, from, to).to };
    expect(operatingTime(inWindow(capped.samples, narrowBefore), seconds, from, to).operatingMs).toBeLessThan(capped.got.operatingMs);
    // One lookback after the window starts, the whole run it measures from is inside the window: no need to widen before.
    const inside = await check([...idle(to + DAY_MS), { ts: narrowFrom + COUNTER_LOOKBACK_MS, value: 360_000 + Math.floor((1.02 * COUNTER_LOOKBACK_MS) / S) - 60 }]);
    expect(inside.window).toEqual({ from: inside.narrow.from, to: sampleWindow(seconds, from, to).to });
  });
});

describe('adaptive counter window: the meter over the real stores', () => {
  const stores = useRealStores(logger);
  const newAsset = (settings: MeterSettings) => stores.newAsset(settings);

  const toReadings = (assetId: string, metric: string, samples: readonly Sample[]): StoredReading[] =>
    samples.map((s, i) => ({ assetId, deviceId: i % 2 ? 'dev_a' : 'dev_b', ts: s.ts, metrics: { [metric]: s.value } }));

  /** The store, counting the queries and the points they return. */
  function counted(): SampleSource & { queries: { from: number; to: number; points: number }[] } {
    const queries: { from: number; to: number; points: number }[] = [];
    return {
      queries,
      async queryRange(q) {
        const result = await stores.store.queryRange(q);
        queries.push({ from: q.from, to: q.to, points: result[0]?.points.length ?? 0 });
        return result;
      },
    };
  }

  /** The relational store, counting the days recorded. */
  function countedTotals(): TotalsStore & { recorded: Map<string, number> } {
    const recorded = new Map<string, number>();
    return {
      recorded,
      record(total: DailyTotal, opts) {
        recorded.set(total.day, (recorded.get(total.day) ?? 0) + 1);
        return stores.repos.operatingHours.record(total, opts);
      },
    };
  }

  it('records for random counter series what all the readings give', async () => {
    for (const seed of [3, 7, 11, 19, 23, 42]) {
      const { settings, samples } = randomCounter(seed);
      const assetId = await newAsset(settings);
      await stores.store.writeBatch(toReadings(assetId, settings.rule.metric, samples));
      const m = createHourMeter({ samples: stores.store, settings: { settingsFor: async () => settings }, totals: stores.repos.operatingHours, logger });
      const days = daysOf(samples);
      const recorded = await m.recompute(assetId, dayOf(days[0]!), dayOf(days.at(-1)!));
      for (const from of days) {
        const to = from + DAY_MS;
        const all = operatingTime(samples, settings, from, to);
        const got = recorded.find((d) => d.day === dayOf(from));
        const label = `seed ${seed} day ${dayOf(from)}`;
        if (!got) {
          expect({ samples: all.samples, operatingMs: all.operatingMs }, label).toEqual({ samples: 0, operatingMs: 0 });
          continue;
        }
        const { creditStartsBefore: _c, gapMs: _g, ...expected } = all;
        expect(got, label).toMatchObject({ ...expected, gapMs: operatingTime(inWindow(samples, sampleWindow(settings, from, to)), settings, from, to).gapMs });
      }
    }
  });

  it("computes a continuously reporting counter's day from the narrow window", async () => {
    // A J1939 counter (0.05 h steps) read every 30 s: running 05:00-23:00 every day for 9 days, until noon on the last.
    const settings: MeterSettings = { rule: { kind: 'counter', metric: 'engine_hours', unit: 'hours', resolution: 0.05 }, maxGapMs: 15 * MIN };
    const assetId = await newAsset(settings);
    const start = D0 + 20 * DAY_MS;
    const samples: Sample[] = [];
    let ran = 1_234 * H;
    for (let t = start; t <= start + 8 * DAY_MS + 12 * H; t += 30 * S) {
      const hour = (t - dayStart(t)) / H;
      if (hour >= 5 && hour < 23) ran += 30 * S;
      samples.push({ ts: t, value: Math.floor(ran / (3 * MIN)) * 0.05 });
    }
    await stores.store.writeBatch(toReadings(assetId, 'engine_hours', samples));
    const source = counted();
    const m = createHourMeter({ samples: source, settings: { settingsFor: async () => settings }, totals: stores.repos.operatingHours, logger });
    const day = start + 4 * DAY_MS;
    const recorded = await m.recompute(assetId, dayOf(day), dayOf(day));
    expect(recorded.map((d) => [d.day, d.operatingMs / H])).toEqual([[dayOf(day), 18]]);
    // One query, of the narrow window: some 40 hours of readings, not the 15 days of the sample window.
    const narrow = narrowWindow(settings, day, day + DAY_MS);
    expect(source.queries).toEqual([{ ...narrow, points: inWindow(samples, narrow).length }]);
    expect(source.queries[0]!.points).toBeLessThan(inWindow(samples, sampleWindow(settings, day, day + DAY_MS)).length / 4);

    // The day still filling up: the narrow window, and the (empty) rest of the sample window after it.
    source.queries.length = 0;
    const today = start + 8 * DAY_MS;
    const [filling] = await m.recompute(assetId, dayOf(today), dayOf(today));
    expect(filling!.operatingMs).toBe(operatingTime(samples, settings, today, today + DAY_MS).operatingMs);
    expect(source.queries.map((q) => q.points)).toEqual([inWindow(samples, narrowWindow(settings, today, today + DAY_MS)).length, 0]);
  });

  it('recomputes the days a credit no longer reaches when late data takes it back', async () => {
    const settings: MeterSettings = { rule: { kind: 'counter', metric: 'run_s', unit: 'seconds' }, maxGapMs: 15 * MIN };
    const assetId = await newAsset(settings);
    const P = D0 + 50 * DAY_MS;
    const E = P + DAY_MS;
    const D = E + DAY_MS;
    const m = createHourMeter({ samples: stores.store, settings: { settingsFor: async () => settings }, totals: stores.repos.operatingHours, logger });
    const samples: Sample[] = [];
    const deliver = async (batch: Sample[]) => {
      samples.push(...batch);
      const readings = toReadings(assetId, 'run_s', batch);
      await stores.store.writeBatch(readings);
      await m.onStored(readings);
      await m.flush();
    };
    const hours = async () => (await stores.repos.operatingHours.days(assetId, dayOf(P), dayOf(D))).map((d) => d.operatingMs / H);
    // Idle at 1,000 s until noon on P, then silent until 02:00 on D with 30 h more: 20:00 on P to 02:00 on D.
    await deliver([9, 10, 11, 12].map((h) => ({ ts: P + h * H, value: 1_000 })));
    await deliver([{ ts: D + 2 * H, value: 1_000 + 30 * 3_600 }]);
    expect(await hours()).toEqual([4, 24, 2]);
    // A late reading: it had run only 1 h by noon on E, so the 29 h claimed 14 h later cannot be real.
    await deliver([{ ts: E + 12 * H, value: 1_000 + 3_600 }]);
    const expected = [P, E, D].map((from) => operatingTime(samples, settings, from, from + DAY_MS).operatingMs / H);
    expect(expected).toEqual([0, 1, 0]);
    // P has no reading the late one changes: only the credit it lost says it must be recomputed.
    expect(await hours()).toEqual(expected);
  });

  it('recomputes the day before once when a credit crosses midnight, not at every pass', async () => {
    // A counter in seconds read every minute, running from 20:00 on day E through the next day.
    const settings: MeterSettings = { rule: { kind: 'counter', metric: 'run_s', unit: 'seconds' }, maxGapMs: 5 * MIN };
    const assetId = await newAsset(settings);
    const E = D0 + 40 * DAY_MS;
    const D = E + DAY_MS;
    const F = D + DAY_MS;
    const samples: Sample[] = [];
    for (let t = E + 20 * H; t < D + 22 * H; t += MIN) samples.push({ ts: t, value: (t - E) / S });
    // Offline (still running) from 22:00 until 02:00 the next day: the catch-up reaches back into D.
    for (let t = F + 2 * H; t < F + 8 * H; t += MIN) samples.push({ ts: t, value: (t - E) / S });
    const totals = countedTotals();
    const meter = () => createHourMeter({ samples: stores.store, settings: { settingsFor: async () => settings }, totals, logger });
    const deliverFrom = async (m: ReturnType<typeof meter>, from: number, to: number) => {
      const batches = [];
      for (let t = from; t < to; t += 10 * MIN) {
        const batch = toReadings(assetId, 'run_s', samples.filter((s) => s.ts >= t && s.ts < Math.min(t + 10 * MIN, to)));
        if (batch.length === 0) continue;
        await stores.store.writeBatch(batch);
        await m.onStored(batch);
        await m.flush();
        batches.push(batch);
      }
      return batches.length;
    };

    const m = meter();
    await deliverFrom(m, E, D);
    totals.recorded.clear();
    // The first pass after midnight also marks E itself (within the gap limit); after that E is left alone.
    const passes = await deliverFrom(m, D, D + 12 * H);
    expect(passes).toBe(72);
    expect(totals.recorded.get(dayOf(E))).toBe(1);
    expect(totals.recorded.get(dayOf(D))).toBe(passes);

    // After a restart the meter does not know what E was brought up to date with: the first pass cascades, once.
    totals.recorded.clear();
    const restarted = meter();
    await deliverFrom(restarted, D + 12 * H, D + 22 * H);
    expect(totals.recorded.get(dayOf(E))).toBe(1);

    // A catch-up whose credit reaches back over midnight: D is recomputed in the pass that reads it, then left alone.
    totals.recorded.clear();
    await deliverFrom(restarted, F, F + 8 * H);
    expect(totals.recorded.get(dayOf(D))).toBe(1);
    expect(totals.recorded.get(dayOf(F))).toBe(36);

    const days = await stores.repos.operatingHours.days(assetId, dayOf(E), dayOf(F));
    expect(days.map((d) => [d.day, d.operatingMs])).toEqual(
      [E, D, F].map((from) => [dayOf(from), operatingTime(samples, settings, from, from + DAY_MS).operatingMs]),
    );
    expect(days.map((d) => d.operatingMs / H)).toEqual([4, 24, 8 - 1 / 60]);
    expect(dayStartOf(days[0]!.day)).toBe(E);
  });
});
