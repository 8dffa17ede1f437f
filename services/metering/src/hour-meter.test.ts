import { CustomerInput } from '@hourmeter/domain';
import { openDb, repositories, type Db, type Repositories } from '@hourmeter/db';
import { createDuckDbTelemetryStore, type StoredReading, type TelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeterSettings } from './core/operating-time.js';
import { createHourMeter, type HourMeter } from './hour-meter.js';

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

let dir: ReturnType<typeof tempDir>;
let db: Db;
let repos: Repositories;
let store: TelemetryStore;

beforeAll(async () => {
  dir = tempDir();
  db = await openDb({ dataDir: dir.path, logger });
  repos = repositories(db);
  store = await createDuckDbTelemetryStore({ dataDir: dir.path });
});
afterAll(async () => {
  await store?.close();
  await db?.close();
  dir?.cleanup();
});

async function newAsset(): Promise<string> {
  const customer = await repos.customers.create(CustomerInput.parse({ name: 'C', currency: 'EUR' }));
  const site = await repos.sites.create({ customerId: customer.id, name: 'S', timezone: 'UTC' });
  const model = await repos.assetModels.create({
    code: `M-${Math.random().toString(36).slice(2, 8)}`,
    name: 'M',
    runningRule: settings.rule,
    maxGapSeconds: settings.maxGapMs / 1000,
    warrantyMonths: 12,
    leadTimeHours: 24,
  });
  const asset = await repos.assets.create({ serialNumber: 'S1', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
  return asset.id;
}

function meter(): HourMeter {
  return createHourMeter({ samples: store, settings: { settingsFor: async () => settings }, totals: repos.operatingHours, logger });
}

async function deliver(m: HourMeter, batch: StoredReading[]): Promise<void> {
  await store.writeBatch(batch);
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
    const days = await repos.operatingHours.days(assetId, '2026-07-01', '2026-07-03');
    expect(days.map((d) => [d.day, d.operatingMs])).toEqual([
      ['2026-07-01', 10 * H],
      ['2026-07-02', 4 * H],
    ]);
    expect(days[1]!.gapMs).toBe(1 * H);
    expect(await repos.operatingHours.totalMs(assetId)).toBe(14 * H);
    // A day filling up in order is amended, not versioned at every pass.
    expect(await repos.operatingHours.versions(assetId, '2026-07-01')).toHaveLength(1);
  });

  it('gives the same totals for shuffled, late and duplicated data, and versions what changed', async () => {
    const assetId = await newAsset();
    const m = meter();
    const all = readings(assetId);
    // The first half arrives in order and is metered; the rest arrives shuffled with duplicates.
    const half = Math.floor(all.length / 2);
    await deliver(m, all.slice(0, half));
    await m.flush();
    const early = await repos.operatingHours.days(assetId, '2026-07-01', '2026-07-02');
    const messy = shuffle([...all.slice(half), ...all.slice(half - 500, half + 500)]);
    for (let i = 0; i < messy.length; i += 211) await deliver(m, messy.slice(i, i + 211));
    await m.flush();
    const days = await repos.operatingHours.days(assetId, '2026-07-01', '2026-07-03');
    expect(days.map((d) => [d.day, d.operatingMs])).toEqual([
      ['2026-07-01', 10 * H],
      ['2026-07-02', 4 * H],
    ]);
    // The meter read less before the rest of day 1 arrived; the history keeps that version.
    expect(early[0]!.operatingMs).toBeLessThan(10 * H);
    const versions = await repos.operatingHours.versions(assetId, '2026-07-01');
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(versions[0]!.operatingMs).toBe(early[0]!.operatingMs);
    expect(versions.at(-1)!.operatingMs).toBe(10 * H);

    // Recomputing changes nothing and adds no version.
    await m.recompute(assetId, '2026-07-01', '2026-07-02');
    expect(await repos.operatingHours.versions(assetId, '2026-07-01')).toHaveLength(versions.length);
  });

  it('a late reading that splits a running interval lowers the right day', async () => {
    const assetId = await newAsset();
    const m = meter();
    await deliver(m, [
      { assetId, deviceId: 'dev_x', ts: DAY1 + 12 * H, metrics: { running: true } },
      { assetId, deviceId: 'dev_x', ts: DAY1 + 12 * H + 10 * MIN, metrics: { running: false } },
    ]);
    await m.flush();
    expect((await repos.operatingHours.days(assetId, '2026-07-01', '2026-07-01'))[0]!.operatingMs).toBe(10 * MIN);
    // It was off from minute 4: the late reading says so.
    await deliver(m, [{ assetId, deviceId: 'dev_x', ts: DAY1 + 12 * H + 4 * MIN, metrics: { running: false } }]);
    await m.flush();
    expect((await repos.operatingHours.days(assetId, '2026-07-01', '2026-07-01'))[0]!.operatingMs).toBe(4 * MIN);
  });
});
