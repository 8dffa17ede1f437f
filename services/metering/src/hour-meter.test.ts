import type { StoredReading } from '@hourmeter/telemetry-store';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from './core/days.js';
import type { MeterSettings } from './core/operating-time.js';
import { createHourMeter, type HourMeter } from './hour-meter.js';
import { useRealStores } from './testing/real-stores.js';

const H = 3_600_000;
const MIN = 60_000;
const DAY1 = Date.UTC(2026, 6, 1);
const DAY2 = DAY1 + 24 * H;
const logger = pino({ level: 'silent' });
const settings: MeterSettings = { rule: { kind: 'boolean', metric: 'running' }, maxGapMs: 15 * MIN };

/**
 * A minute-by-minute running signal: day 1 runs 08:00-16:00 and 22:00-02:00
 * (into day 2); day 2 runs 09:00-12:00 but is silent 10:00-11:00. Expected:
 * day 1 = 8 h + 2 h = 10 h; day 2 = 2 h + 3 h - the 1 h gap = 4 h.
 */
function readings(assetId: string): StoredReading[] {
  const on = (t: number) =>
    (t >= DAY1 + 8 * H && t < DAY1 + 16 * H) || (t >= DAY1 + 22 * H && t < DAY2 + 2 * H) || (t >= DAY2 + 9 * H && t < DAY2 + 12 * H);
  const out: StoredReading[] = [];
  for (let t = DAY1; t < DAY2 + 24 * H; t += MIN) {
    if (t > DAY2 + 10 * H && t < DAY2 + 11 * H) continue;
    out.push({ assetId, deviceId: 'dev_x', ts: t, seq: (t - DAY1) / MIN, metrics: { running: on(t), temp_c: 40 } });
  }
  return out;
}

function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  let s = 7;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 48_271) % 2_147_483_647;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const stores = useRealStores(logger);
const newAsset = () => stores.newAsset(settings);

function meter(rule: () => MeterSettings = () => settings): HourMeter {
  return createHourMeter({ samples: stores.store, settings: { settingsFor: async () => rule() }, totals: stores.repos.operatingHours, logger });
}

async function deliver(m: HourMeter, batch: StoredReading[]): Promise<void> {
  await stores.store.writeBatch(batch);
  await m.onStored(batch);
}

describe('hour meter over the real stores', () => {
  it('is exact on in-order data with a gap and midnight crossing', async () => {
    const assetId = await newAsset();
    const m = meter();
    const all = readings(assetId);
    for (let i = 0; i < all.length; i += 97) {
      await deliver(m, all.slice(i, i + 97));
      await m.flush();
    }
    const days = await stores.repos.operatingHours.days(assetId, '2026-07-01', '2026-07-03');
    expect(days.map((d) => [d.day, d.operatingMs])).toEqual([
      ['2026-07-01', 10 * H],
      ['2026-07-02', 4 * H],
    ]);
    expect(days[1]!.gapMs).toBe(1 * H);
    expect(await stores.repos.operatingHours.totalMs(assetId)).toBe(14 * H);
    // A day filling up in order is amended, not versioned at every pass.
    expect(await stores.repos.operatingHours.versions(assetId, '2026-07-01')).toHaveLength(1);
  });

  it('gives the same totals for shuffled, late and duplicated data, and versions what changed', async () => {
    const assetId = await newAsset();
    const m = meter();
    const all = readings(assetId);
    // The first half arrives in order and is metered; the rest arrives shuffled with duplicates.
    const half = Math.floor(all.length / 2);
    await deliver(m, all.slice(0, half));
    await m.flush();
    const early = await stores.repos.operatingHours.days(assetId, '2026-07-01', '2026-07-02');
    const messy = shuffle([...all.slice(half), ...all.slice(half - 500, half + 500)]);
    for (let i = 0; i < messy.length; i += 211) await deliver(m, messy.slice(i, i + 211));
    await m.flush();
    const days = await stores.repos.operatingHours.days(assetId, '2026-07-01', '2026-07-03');
    expect(days.map((d) => [d.day, d.operatingMs])).toEqual([
      ['2026-07-01', 10 * H],
      ['2026-07-02', 4 * H],
    ]);
    // The meter read less before the rest of day 1 arrived; the history keeps that version.
    expect(early[0]!.operatingMs).toBeLessThan(10 * H);
    const versions = await stores.repos.operatingHours.versions(assetId, '2026-07-01');
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(versions[0]!.operatingMs).toBe(early[0]!.operatingMs);
    expect(versions.at(-1)!.operatingMs).toBe(10 * H);

    // Recomputing changes nothing and adds no version.
    await m.recompute(assetId, '2026-07-01', '2026-07-02');
    expect(await stores.repos.operatingHours.versions(assetId, '2026-07-01')).toHaveLength(versions.length);
  });

  it('a late reading that splits a running interval lowers the right day', async () => {
    const assetId = await newAsset();
    const m = meter();
    await deliver(m, [
      { assetId, deviceId: 'dev_x', ts: DAY1 + 12 * H, metrics: { running: true } },
      { assetId, deviceId: 'dev_x', ts: DAY1 + 12 * H + 10 * MIN, metrics: { running: false } },
    ]);
    await m.flush();
    expect((await stores.repos.operatingHours.days(assetId, '2026-07-01', '2026-07-01'))[0]!.operatingMs).toBe(10 * MIN);
    // It was off from minute 4: the late reading says so.
    await deliver(m, [{ assetId, deviceId: 'dev_x', ts: DAY1 + 12 * H + 4 * MIN, metrics: { running: false } }]);
    await m.flush();
    expect((await stores.repos.operatingHours.days(assetId, '2026-07-01', '2026-07-01'))[0]!.operatingMs).toBe(4 * MIN);
  });
});

describe('hour meter: counters, billing and vanished data', () => {
  const counter: MeterSettings = { rule: { kind: 'counter', metric: 'engine_hours', unit: 'hours' }, maxGapMs: 15 * MIN };
  const A = Date.UTC(2026, 6, 10);
  const hoursOf = async (assetId: string, from: string, to: string) =>
    (await stores.repos.operatingHours.days(assetId, from, to)).map((d) => [d.day, d.operatingMs / H]);

  /** Idle at 500 h on the 10th until 10:00, then offline; back at midnight of the 13th with 40 h more. */
  function catchUp(assetId: string): StoredReading[][] {
    const at = (ts: number, value: number): StoredReading => ({ assetId, deviceId: 'dev_x', ts, metrics: { engine_hours: value } });
    return [[at(A + 9 * H, 500), at(A + 10 * H, 500)], [at(A + 3 * DAY_MS, 540)]];
  }

  it('puts a catch-up on the days before the reading that shows it, in the pass that reads it', async () => {
    const assetId = await newAsset();
    const m = meter(() => counter);
    for (const batch of catchUp(assetId)) {
      await deliver(m, batch);
      await m.flush();
    }
    expect(await hoursOf(assetId, '2026-07-09', '2026-07-14')).toEqual([
      ['2026-07-10', 0],
      ['2026-07-11', 16],
      ['2026-07-12', 24],
      ['2026-07-13', 0],
    ]);
    expect(await stores.repos.operatingHours.totalMs(assetId)).toBe(40 * H);
  });

  it('a recompute of the day showing a catch-up also records the days it reaches', async () => {
    const assetId = await newAsset();
    // Restored into the store without passing through the meter.
    await stores.store.writeBatch(catchUp(assetId).flat());
    const m = meter(() => counter);
    await m.recompute(assetId, '2026-07-13', '2026-07-13');
    expect(await hoursOf(assetId, '2026-07-09', '2026-07-14')).toEqual([
      ['2026-07-11', 16],
      ['2026-07-12', 24],
      ['2026-07-13', 0],
    ]);
  });

  it('records zero for a day whose data is gone, and still nothing for days merely bordering data', async () => {
    const assetId = await newAsset();
    let current = settings;
    const m = meter(() => current);
    await deliver(m, readings(assetId));
    await m.flush();
    current = { ...settings, rule: { kind: 'boolean', metric: 'never_sent' } };
    await m.recompute(assetId, '2026-06-30', '2026-07-03');
    expect(await hoursOf(assetId, '2026-06-30', '2026-07-03')).toEqual([
      ['2026-07-01', 0],
      ['2026-07-02', 0],
    ]);
    expect((await stores.repos.operatingHours.versions(assetId, '2026-07-01')).map((v) => v.operatingMs / H)).toEqual([10, 0]);
  });

  it('does not amend a version billing has taken: the change is a new version', async () => {
    const assetId = await newAsset();
    const m = meter();
    const all = readings(assetId).filter((r) => r.ts < DAY2);
    await deliver(m, all.slice(0, 600));
    await m.flush();
    const [billed] = await stores.repos.operatingHours.days(assetId, '2026-07-01', '2026-07-01');
    await stores.repos.billing.syncUsage([{ assetId, day: billed!.day, operatingMs: billed!.operatingMs, version: billed!.version }]);
    // The rest of the day arrives in order while the day is still open.
    await deliver(m, all.slice(600));
    await m.flush();
    const versions = await stores.repos.operatingHours.versions(assetId, '2026-07-01');
    expect(versions.map((v) => [v.version, v.operatingMs])).toEqual([
      [1, billed!.operatingMs],
      // Day 1 runs 10 h; its last minute waits for a reading from day 2.
      [2, 10 * H - MIN],
    ]);
  });

  it('keeps the larger of two same-time readings, whichever device sent it and whatever the write order', async () => {
    const totals = [];
    for (const first of ['dev_a', 'dev_b']) {
      const assetId = await newAsset();
      const m = meter();
      // At the same instants dev_a says running and dev_b (returned after it by the store) stopped.
      for (const deviceId of first === 'dev_a' ? ['dev_a', 'dev_b'] : ['dev_b', 'dev_a']) {
        const batch = Array.from({ length: 61 }, (_, i) => ({ assetId, deviceId, ts: DAY1 + 6 * H + i * MIN, metrics: { running: deviceId === 'dev_a' } }));
        await deliver(m, batch);
      }
      await m.flush();
      totals.push((await stores.repos.operatingHours.days(assetId, '2026-07-01', '2026-07-01'))[0]!.operatingMs);
    }
    expect(totals).toEqual([H, H]);
  });
});
