/**
 * C-MAPSS through the generic path: FD001 engines replayed as assets of an
 * ordinary asset model with made-up metric names, the hour meter running one
 * cycle per operating hour, every run to failure recorded as a completed
 * corrective work order; the condition model is trained from those records
 * (SQLite + a DuckDB telemetry file) and asked for every test engine's RUL.
 * Its RMSE must stay within 1.0 of the C-MAPSS pipeline trained directly on
 * the same training engines (what `eval:cmapss` runs). Healthy-looking
 * engines get the capped figure (`aboveCap: 'cap'`), as in eval:cmapss.
 *
 * CI uses a deterministic subset (training units 1-60, test units 1-40, one
 * boosted model) to keep the run near a minute; HM_CMAPSS_FULL=1 runs all of
 * FD001 with the default ensemble, whose figure is compared with eval:cmapss.
 */
import { cmapssFiles, loadTestUnits, loadTrainUnits, type CmapssUnit } from '@hourmeter/cmapss';
import { cmapssTestData } from '@hourmeter/cmapss/testing';
import { openDb, repositories, type Db, type Repositories } from '@hourmeter/db';
import { createDuckDbTelemetryStore, type StoredReading, type TelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmse, trainRulModel } from '../core/rul/index.js';
import { createReliabilityService } from './service.js';
import { recordFailure } from './testing.js';

const data = cmapssTestData('train_FD001.txt', 'test_FD001.txt', 'RUL_FD001.txt');
const FULL = process.env.HM_CMAPSS_FULL === '1';
const TRAIN_UNITS = FULL ? Infinity : 60;
const TEST_UNITS = FULL ? Infinity : 40;
const ENSEMBLE = FULL ? undefined : 1;
/** The full set takes tens of minutes on a busy 2-core machine. */
const TIMEOUT = FULL ? 3_600_000 : 600_000;
const logger = pino({ level: 'silent' });
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const NOW = T0 + 40 * DAY;
const SETTINGS = ['op_altitude', 'op_mach', 'op_throttle'];
const channel = (k: number) => `ch_${String(k + 1).padStart(2, '0')}`;

/**
 * The hour meter of an engine that flew `hours` cycles: 24 h a day, then the
 * rest on its last day, then idle. `at(age)` is when the meter (interpolated
 * within a day, as the lives builder reads it) showed that age.
 */
function meter(hours: number) {
  const days: { day: string; hours: number }[] = [];
  for (let d = 0; 24 * d < hours; d++) days.push({ day: new Date(T0 + d * DAY).toISOString().slice(0, 10), hours: Math.min(24, hours - 24 * d) });
  const at = (age: number) => {
    const d = Math.min(days.length - 1, Math.floor(age / 24));
    return Math.round(T0 + d * DAY + ((age - 24 * d) / days[d]!.hours) * DAY);
  };
  return { days, at };
}

function readingsOf(assetId: string, unit: CmapssUnit, at: (age: number) => number): StoredReading[] {
  return unit.rows.map((r, i) => {
    const metrics: Record<string, number> = {};
    r.settings.forEach((v, j) => (metrics[SETTINGS[j]!] = v));
    r.sensors.forEach((v, k) => (metrics[channel(k)] = v));
    // Cycle i + 1 is flown during operating hour i: its reading in the middle of it.
    return { assetId, deviceId: `dev-${assetId}`, ts: at(i + 0.5), metrics };
  });
}

describe.skipIf(!data.available)('FD001 replayed as an ordinary asset model through work orders and the telemetry store', () => {
  let db: Db;
  let repos: Repositories;
  let store: TelemetryStore;
  let dir: ReturnType<typeof tempDir>;
  let train: CmapssUnit[];
  let test: CmapssUnit[];
  const testAssets = new Map<string, CmapssUnit>();

  beforeAll(async () => {
    dir = tempDir();
    db = await openDb({ dataDir: dir.path, logger });
    repos = repositories(db);
    store = await createDuckDbTelemetryStore({ dataDir: dir.path });
    const files = cmapssFiles(data.dir, 'FD001');
    train = (await loadTrainUnits(files.train)).filter((u) => u.unit <= TRAIN_UNITS);
    test = (await loadTestUnits(files.test, files.rul)).filter((u) => u.unit <= TEST_UNITS);
    const customer = await repos.customers.create({ name: 'Airline', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Engine shop', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: 'TURBOFAN-X', name: 'Turbofan (replayed)', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 24 });
    const settings = JSON.stringify({ rule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900 });
    const replay = async (serial: string, unit: CmapssUnit, failed: boolean) => {
      const asset = await repos.assets.create({ serialNumber: serial, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-03-01', status: 'active' });
      const m = meter(unit.rows.length);
      for (const d of m.days) {
        await repos.operatingHours.record({ assetId: asset.id, day: d.day, operatingMs: Math.round(d.hours * 3_600_000), samples: 1, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings });
      }
      await store.writeBatch(readingsOf(asset.id, unit, m.at));
      // The engine failed at the end of its last cycle: a corrective order completed with that failure time.
      if (failed) await recordFailure(repos, asset.id, 'hpc_degradation', m.at(unit.rows.length));
      return asset.id;
    };
    for (const u of train) await replay(`TRAIN-${u.unit}`, u, true);
    // Test engines are still flying: censored lives whose RUL the model must tell.
    for (const u of test) testAssets.set(await replay(`TEST-${u.unit}`, u, false), u);
  }, TIMEOUT);
  afterAll(async () => {
    await store?.close();
    await db?.close();
    dir?.cleanup();
  });

  it('gets within 1.0 RMSE of the C-MAPSS pipeline trained on the same engines', async () => {
    const reliability = createReliabilityService({
      repos,
      logger,
      now: () => NOW,
      telemetry: store,
      trainRul: async (units, options) => trainRulModel(units, { ...options, ...(ENSEMBLE ? { ensemble: ENSEMBLE } : {}) }),
    });
    const res = await reliability.train('TURBOFAN-X', 'hpc_degradation', { kind: 'condition', activate: true, condition: { hoursPerCycle: 1, settings: SETTINGS, aboveCap: 'cap' } });
    if (res.status !== 'trained') throw new Error(res.message);
    expect(res.model.failures).toBe(train.length);
    const estimates = (await reliability.fleetEstimates('TURBOFAN-X')).filter((e) => testAssets.has(e.assetId));
    expect(estimates).toHaveLength(test.length);
    for (const e of estimates) expect(e.modelVersion).toBe(`TURBOFAN-X/hpc_degradation@condition-v${res.model.version}`);
    const generic = rmse(
      estimates.map((e) => e.rulHours!),
      estimates.map((e) => testAssets.get(e.assetId)!.rulAtEnd),
    );

    const direct = trainRulModel(
      train.map((u) => ({ id: u.unit, rows: u.rows })),
      { source: 'cmapss:FD001', ...(ENSEMBLE ? { ensemble: ENSEMBLE } : {}) },
    );
    const reference = rmse(
      test.map((u) => direct.predict(u.rows).rul),
      test.map((u) => u.rulAtEnd),
    );
    process.stderr.write(`cmapss-generic FD001 (${train.length} train / ${test.length} test units): rmse=${generic.toFixed(2)} direct=${reference.toFixed(2)}\n`);
    expect(Math.abs(generic - reference)).toBeLessThanOrEqual(1.0);
  }, TIMEOUT);
});
